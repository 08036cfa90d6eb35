import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type Docker from 'dockerode';
import { generateSecrets, loadTemplates, renderAdminAccess, renderDeploymentPlan, type AppTemplate } from '#catalog';
import { LABELS, RuntimeError, type AppliedDeployment, type DeploymentPlan, type PlannedContainer, type PlannedHook } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { httpRequest } from '#test/support/http.js';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { sampleProcessList, type ProcessListSample, type ProcessListSampler } from '#test/support/process-list.js';
import { xmppLogin } from '#test/support/xmpp.js';

/**
 * Least privilege for tenant containers (audit "Hardening", item 7), proven on a real engine
 * with the Debian-built images: each app is rendered from its shipped template and applied by
 * the Docker adapter, then inspected from outside and probed from inside. While containers
 * start and first-start hooks run, the host's process list is sampled: no secret of the plan
 * may appear in any command line.
 */

const RUN = randomBytes(3).toString('hex');
const engine = testEngine();
const docker = testDocker(engine);
const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 5, pollIntervalMs: 250, healthTimeoutMs: 180_000 });
const templates = loadTemplates(resolve(process.cwd(), 'templates'));
const STAND_IN = 'allmende-test/mastodon-standin:4.3';
const IMAGE_OVERRIDES = { 'ghcr.io/mastodon/mastodon:v4.3.17': STAND_IN, 'ghcr.io/mastodon/mastodon-streaming:v4.3.17': STAND_IN };
const tenantIds: string[] = [];

interface Deployment {
  template: AppTemplate;
  plan: DeploymentPlan;
  secrets: Record<string, string>;
  applied: AppliedDeployment;
  domain: string;
  /** Output of each first-start hook, by name. */
  hookOutput: Record<string, string>;
  /** The host's process list while the containers started and the first-start hooks ran. */
  processes: ProcessListSample;
}

/** Renders the shipped template for a fresh tenant, applies it and runs its first-start hooks, sampling the process list meanwhile. */
async function deploy(app: 'prosody' | 'wordpress' | 'mastodon'): Promise<Deployment> {
  const template = templates.get(app)!;
  const tenantId = randomUUID();
  tenantIds.push(tenantId);
  const slug = `hard${RUN}${app.slice(0, 2)}`;
  const domain = `${slug}.allmende.localhost`;
  const secrets = generateSecrets(template, template.defaultVersion);
  const plan = renderDeploymentPlan({
    manifest: template,
    tenant: { id: tenantId, slug },
    version: template.defaultVersion,
    domains: { primary: domain },
    secrets,
    admin: { email: `board@${slug}.example.org` },
    clubName: 'Hardened Club',
    imageOverrides: IMAGE_OVERRIDES,
  });
  // the edge proxy reaches web ports over the tenant network; this suite, without an edge,
  // publishes them on loopback to talk to the app directly
  for (const container of plan.containers) container.ports = container.ports.map((port) => ({ ...port, publish: true }));
  const sampler = await sampleProcessList();
  let processes: ProcessListSample | undefined;
  try {
    const applied = await runtime.apply(engine, plan);
    const hookOutput: Record<string, string> = {};
    for (const hook of plan.hooks.firstStart) {
      const result = await runtime.runHook(engine, plan, hook);
      hookOutput[hook.name] = result.stdout;
    }
    processes = await sampler.stop();
    return { template, plan, secrets, applied, domain, hookOutput, processes };
  } finally {
    if (!processes) await sampler.stop();
  }
}

async function inspect(container: PlannedContainer): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(container.name).inspect();
}

/** Runs argv in the container as `user` (default: the container's own user), through the adapter. */
async function run(container: PlannedContainer, argv: string[], user?: string) {
  return runtime.exec(engine, container.name, argv, { timeoutMs: 30_000, ...(user ? { user } : {}) });
}

interface ProcessStatus {
  pid: number;
  name: string;
  uid: number[];
  capEff: string;
  capPrm: string;
  capBnd: string;
}

/** /proc/<pid>/status of every process in the container, read from inside (as root: the fields are readable by anyone). */
async function processesIn(container: PlannedContainer): Promise<ProcessStatus[]> {
  // a fixed script: every process's status file, one "pid field value" line per field
  const listing = await run(container, ['sh', '-c', 'for f in /proc/[0-9]*/status; do p=${f#/proc/}; p=${p%/status}; grep -E "^(Name|Uid|CapPrm|CapEff|CapBnd):" "$f" 2>/dev/null | sed "s|^|$p |"; done'], '0');
  const byPid = new Map<number, Partial<ProcessStatus>>();
  for (const line of listing.stdout.split('\n').filter(Boolean)) {
    const [pid, field, ...values] = line.split(/\s+/);
    const entry = byPid.get(Number(pid)) ?? { pid: Number(pid) };
    if (field === 'Name:') entry.name = values[0];
    if (field === 'Uid:') entry.uid = values.map(Number);
    if (field === 'CapEff:') entry.capEff = values[0];
    if (field === 'CapPrm:') entry.capPrm = values[0];
    if (field === 'CapBnd:') entry.capBnd = values[0];
    byPid.set(Number(pid), entry);
  }
  return [...byPid.values()].filter((entry): entry is ProcessStatus => entry.name !== undefined && entry.uid !== undefined);
}

function publishedPort(deployment: Deployment, service: string, port: number): number {
  const found = deployment.applied.ports.find((candidate) => candidate.service === service && candidate.container === port);
  if (!found) throw new Error(`${service} publishes no port ${port}: ${JSON.stringify(deployment.applied.ports)}`);
  return found.hostPort;
}

const NO_CAPABILITIES = '0000000000000000';

/** The engine's process list of a container (`docker top`), one row of the ps columns per process. */
async function top(container: PlannedContainer, columns: string): Promise<string[][]> {
  return ((await docker.getContainer(container.name).top({ ps_args: `-o ${columns}` })) as { Processes: string[][] }).Processes;
}
const running = (deployment: Deployment) => deployment.plan.containers.filter((container) => !container.oneShot);

/** What every app's containers must show, whatever the app: the default profile. */
function expectLeastPrivilege(deployment: Deployment): void {
  describe('the default security profile', () => {
    it('is what the template declares: no capabilities, a read-only root, an unprivileged user', () => {
      for (const container of deployment.plan.containers) {
        expect({ service: container.service, capabilities: container.capabilities, readOnly: container.readOnlyRootFilesystem }).toEqual({
          service: container.service,
          capabilities: [],
          readOnly: true,
        });
        expect(container.user).toMatch(/^(?!root$|0$|0:)[a-z0-9_-]+/);
      }
    });

    it('reaches the engine: CapDrop ALL with only the declared CapAdd, ReadonlyRootfs, the user, bounded tmpfs, no new privileges', async () => {
      for (const container of deployment.plan.containers) {
        const info = await inspect(container);
        expect(info.HostConfig.CapDrop).toEqual(['ALL']);
        expect(info.HostConfig.CapAdd ?? []).toEqual(container.capabilities);
        expect(info.HostConfig.ReadonlyRootfs).toBe(container.readOnlyRootFilesystem);
        expect(info.Config.User).toBe(container.user);
        expect(info.HostConfig.Privileged).toBe(false);
        expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
        const tmpfs = (info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {};
        expect(Object.keys(tmpfs).sort()).toEqual(container.tmpfs.map((mount) => mount.target).sort());
        for (const mount of container.tmpfs) expect(tmpfs[mount.target]).toContain(`size=${mount.sizeBytes}`);
      }
    });

    it('refuses writes to the root filesystem, even from root inside the container', async () => {
      for (const container of running(deployment)) {
        const asRoot = await run(container, ['touch', '/usr/x'], '0');
        expect({ service: container.service, exitCode: asRoot.exitCode }).toEqual({ service: container.service, exitCode: 1 });
        expect(asRoot.stderr).toMatch(/Read-only file system/);
        const asUser = await run(container, ['touch', '/etc/x']);
        expect(asUser.exitCode).not.toBe(0);
      }
    });

    it('runs every process without capabilities, and the main process as the unprivileged user', async () => {
      for (const container of running(deployment)) {
        const processes = await processesIn(container);
        const main = processes.find((process) => process.pid === 1);
        expect(main).toBeDefined();
        // real, effective, saved and filesystem uid: none is root
        expect({ service: container.service, rootIds: main!.uid.filter((id) => id === 0) }).toEqual({ service: container.service, rootIds: [] });
        for (const process of processes) {
          // even the root exec that reads these has nothing to use: the bounding set is empty
          expect({ service: container.service, name: process.name, capEff: process.capEff, capPrm: process.capPrm, capBnd: process.capBnd }).toEqual({
            service: container.service, name: process.name, capEff: NO_CAPABILITIES, capPrm: NO_CAPABILITIES, capBnd: NO_CAPABILITIES,
          });
        }
      }
    });

    it('shows no root-owned process in the engine\'s own process list (docker top)', async () => {
      for (const container of running(deployment)) {
        const uids = (await top(container, 'uid,pid,comm')).map((row) => Number(row[0]));
        expect(uids.length).toBeGreaterThan(0);
        expect({ service: container.service, uids: uids.filter((uid) => uid === 0) }).toEqual({ service: container.service, uids: [] });
      }
    });

    it('never shows a secret of the plan in the host\'s process list while starting and running its first-start hooks', () => {
      const { processes, secrets } = deployment;
      expect(processes.sweeps).toBeGreaterThan(20);
      // the sampler saw the containers' programs, so it was looking at the right place
      const programs = deployment.plan.containers.filter((c) => c.command).map((c) => c.command![0]);
      for (const program of programs) expect(processes.commandLines.some((line) => line.includes(program))).toBe(true);
      for (const [name, value] of Object.entries(secrets)) {
        const leaks = processes.commandLines.filter((line) => line.includes(value));
        expect({ secret: name, leaks }).toEqual({ secret: name, leaks: [] });
      }
    });
  });
}

/** Inside a describe: deploys the app before its tests, checks the default profile, and gives access to the result. */
function deployedApp(app: 'prosody' | 'wordpress' | 'mastodon', timeoutMs: number) {
  const deployment = {} as Deployment;
  beforeAll(async () => {
    Object.assign(deployment, await deploy(app));
  }, timeoutMs);
  expectLeastPrivilege(deployment);
  return { deployment, container: (service: string) => deployment.plan.containers.find((candidate) => candidate.service === service)! };
}

beforeAll(async () => {
  await requireImages(engine, ['allmende/prosody:0.12', 'allmende/wordpress:6.1', 'allmende/mariadb:10.11', 'allmende/postgres:15', 'allmende/redis:7', STAND_IN]);
});

afterAll(async () => {
  await removeLabelled(engine, tenantIds.map((id) => `${LABELS.tenant}=${id}`));
});

describe('Prosody', () => {
  const { deployment, container } = deployedApp('prosody', 300_000);
  const prosody = () => container('prosody');

  it('runs as prosody with a tmpfs for its pid file', async () => {
    const info = await inspect(prosody());
    expect(info.Config.User).toBe('prosody');
    expect(Object.keys((info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {})).toContain('/run/prosody');
  });

  it('reproduces the audit finding with the old hook form: `prosodyctl register ... PASSWORD` shows the password in the host\'s process list', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const sampler: ProcessListSampler = await sampleProcessList();
    const result = await run(prosody(), ['prosodyctl', 'register', 'probe', deployment.domain, canary]);
    const seen = await sampler.stop();
    expect(result.exitCode).toBe(0);
    expect(seen.commandLines.filter((line) => line.includes(canary)).length).toBeGreaterThan(0);
  });

  it('creates the admin with the password on stdin: it never appears in any command line, and a real XMPP client logs in with it', async () => {
    const hook = deployment.plan.hooks.firstStart.find((candidate) => candidate.name === 'create-admin')!;
    const password = deployment.secrets[deployment.template.admin.passwordSecret];
    expect(hook.argv.join(' ')).not.toContain(password);
    expect(hook.stdin).toBe(`${password}\n`);
    // the hook's own program was seen while it ran
    expect(deployment.processes.commandLines.some((line) => line.includes(hook.argv[0]))).toBe(true);
    expect(deployment.processes.commandLines.filter((line) => line.includes(password))).toEqual([]);

    // a re-run (after a crash) sets the same password again instead of failing
    const sampler = await sampleProcessList();
    await runtime.runHook(engine, deployment.plan, hook);
    const again = await sampler.stop();
    expect(again.commandLines.some((line) => line.includes('prosodyctl'))).toBe(true);
    expect(again.commandLines.filter((line) => line.includes(password))).toEqual([]);

    const certificate = (await run(prosody(), ['cat', '/var/lib/prosody/certs/tls.crt'])).stdout;
    const port = publishedPort(deployment, 'prosody', 5222);
    const access = renderAdminAccess({ manifest: deployment.template, tenant: deployment.plan.tenant, version: deployment.plan.version, domains: { primary: deployment.domain }, secrets: deployment.secrets, admin: { email: `board@${deployment.plan.tenant.slug}.example.org` }, clubName: 'Hardened Club' });
    expect(access.username).toBe(`admin@${deployment.domain}`);
    const good = xmppLogin({ host: '127.0.0.1', port, domain: deployment.domain, username: 'admin', password, certificate });
    expect(good.output).toBe(`online admin@${deployment.domain}/allmende-test`);
    const bad = xmppLogin({ host: '127.0.0.1', port, domain: deployment.domain, username: 'admin', password: 'not-the-password', certificate });
    expect(bad.ok).toBe(false);
  });

  it("hands a recovery its own stdin (a hook whose re-run fails because the work is done)", async () => {
    const secret = `recovered-${randomBytes(8).toString('hex')}`;
    const hook: PlannedHook = {
      name: 'probe-recovery',
      service: 'prosody',
      argv: ['sh', '-c', 'cat >/dev/null; echo "already taken" >&2; exit 1'],
      stdin: 'first\n',
      timeoutSeconds: 20,
      acceptExitCodes: [],
      recovery: { whenOutputMatches: 'already taken', argv: ['cat'], stdin: `${secret}\n` },
    };
    const result = await runtime.runHook(engine, deployment.plan, hook);
    expect(result).toMatchObject({ exitCode: 0, stdout: `${secret}\n` });
  });

  it('still kills a hook that runs past its timeout (the killer runs as the hook\'s user, without capabilities)', async () => {
    const error = await runtime.exec(engine, prosody().name, ['sh', '-c', 'exec sleep 300'], { timeoutMs: 1_000 }).then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect((error as RuntimeError).code).toBe('runtime.exec_timeout');
    const processes = await top(prosody(), 'pid,args');
    expect(processes.map((row) => row.join(' ')).filter((line) => line.includes('sleep 300'))).toEqual([]);
  });
});

describe('WordPress', () => {
  const { deployment, container } = deployedApp('wordpress', 300_000);

  it("runs Apache's master and workers as www-data with no capabilities, listening on an unprivileged port", async () => {
    const apache = (await processesIn(container('web'))).filter((process) => process.name === 'apache2');
    expect(apache.length).toBeGreaterThanOrEqual(2); // the master and at least one worker
    expect(apache.find((process) => process.pid === 1)).toBeDefined(); // the master is the container's main process
    for (const process of apache) {
      expect(process.uid).toEqual([33, 33, 33, 33]);
      expect(process.capEff).toBe(NO_CAPABILITIES);
    }
    expect(container('web').ports.map((port) => port.container)).toEqual([8080]);
    expect(container('web').user).toBe('www-data');
    expect(container('db').user).toBe('mysql');
  });

  it('installs with the admin password on stdin, and the admin logs in', async () => {
    const hook = deployment.plan.hooks.firstStart.find((candidate) => candidate.name === 'install')!;
    const password = deployment.secrets.admin_password;
    expect(hook.stdin).toBe(`${password}\n`);
    expect(hook.argv.join(' ')).not.toContain(password);
    expect(deployment.hookOutput.install).toContain('Success: WordPress installed successfully.');
    expect(deployment.processes.commandLines.some((line) => line.includes('wp-install'))).toBe(true);

    const url = `http://127.0.0.1:${publishedPort(deployment, 'web', 8080)}`;
    const headers = { Host: deployment.domain, 'X-Forwarded-Proto': 'https', 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'wordpress_test_cookie=WP%20Cookie%20check' };
    const signIn = await httpRequest(`${url}/wp-login.php`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ log: 'admin', pwd: password, 'wp-submit': 'Log In', testcookie: '1' }).toString(),
    });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.location).toBe(`https://${deployment.domain}/wp-admin/`);
    const wrong = await httpRequest(`${url}/wp-login.php`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ log: 'admin', pwd: 'not-the-password', 'wp-submit': 'Log In', testcookie: '1' }).toString(),
    });
    expect(wrong.status).toBe(200);
  });

  it('runs the backup and upgrade hooks as the unprivileged users', async () => {
    for (const hook of [...deployment.plan.hooks.backup, ...deployment.plan.hooks.upgrade]) await runtime.runHook(engine, deployment.plan, hook);
    const dump = await run(container('db'), ['sh', '-c', 'test -s /var/backups/allmende/wordpress.sql && head -c 200 /var/backups/allmende/wordpress.sql']);
    expect(dump.exitCode).toBe(0);
    expect(dump.stdout).toMatch(/MariaDB dump/);
  });
});

describe('Mastodon (stand-in images for web, streaming and sidekiq; real Postgres and Redis)', () => {
  const { deployment, container } = deployedApp('mastodon', 400_000);

  it('keeps tootctl working: it prints the owner password, which the hook captures', () => {
    const hook: PlannedHook = deployment.plan.hooks.firstStart[0];
    expect(hook.argv.join(' ')).not.toMatch(/password/i);
    expect(deployment.hookOutput[hook.name]).toMatch(/^New password: [0-9a-f]{32}$/m);
  });

  it('runs every service as its own user', async () => {
    const users = Object.fromEntries(await Promise.all(deployment.plan.containers.map(async (c) => [c.service, (await inspect(c)).Config.User])));
    expect(users).toEqual({ db: 'postgres', redis: 'redis', 'db-prepare': 'mastodon', web: 'mastodon', streaming: 'mastodon', sidekiq: 'mastodon' });
  });

  it('dumps the database as postgres', async () => {
    for (const hook of deployment.plan.hooks.backup) await runtime.runHook(engine, deployment.plan, hook);
    const dump = await run(container('db'), ['test', '-s', '/var/backups/allmende/mastodon_production.dump']);
    expect(dump.exitCode).toBe(0);
  });
});
