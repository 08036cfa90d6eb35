import { resolve } from 'node:path';
import { DomainError, ValidationFailedError } from '#platform';
import { checkPlan, DeploymentPlan, LABELS, PlannedHook } from '#runtime';
import type { AppTemplate } from '../templates/app-template.js';
import { loadTemplates } from '../templates/load-template.js';
import { generateSecrets } from './generate-secrets.js';
import { planHash } from './plan-hash.js';
import { publishedPortsOf, renderAdminAccess, renderAdminPasswordReset, renderCertificateInstalls, renderDeploymentPlan, RenderPlanInput, renderWebRoutes } from './render-plan.js';

const templates = loadTemplates(resolve(process.cwd(), 'templates'));
const APPS = ['prosody', 'wordpress', 'mastodon'] as const;
type App = (typeof APPS)[number];
const template = (app: App): AppTemplate => templates.get(app)!;
// One fixed set of secrets per app, so two renders differ only where the test says.
const SECRETS = Object.fromEntries(APPS.map((app) => [app, generateSecrets(template(app), template(app).defaultVersion)])) as Record<App, Record<string, string>>;
const TENANT = { id: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc', slug: 'gardeners' };

function input(app: App, changes: Partial<Omit<RenderPlanInput, 'admin'>> & { admin?: Partial<RenderPlanInput['admin']> } = {}): RenderPlanInput {
  const { admin, ...rest } = changes;
  return {
    tenant: TENANT,
    manifest: template(app),
    version: template(app).defaultVersion,
    domains: { primary: `${app}.gardeners.example.org` },
    secrets: SECRETS[app],
    clubName: 'Gardeners of the South',
    ...rest,
    admin: { email: 'anna@example.org', username: app === 'mastodon' ? 'anna' : 'admin', ...admin },
  };
}

const hook = (plan: DeploymentPlan, name: string): PlannedHook =>
  [...plan.hooks.firstStart, ...plan.hooks.backup, ...plan.hooks.upgrade].find((h) => h.name === name)!;
const container = (plan: DeploymentPlan, service: string) => plan.containers.find((c) => c.service === service)!;

/** Everything about a plan except the values: what must not change whatever the input. */
function structure(plan: DeploymentPlan) {
  const hooks = (list: PlannedHook[]) =>
    list.map((h) => ({ name: h.name, service: h.service, argc: h.argv.length, stdin: h.stdin !== undefined, env: Object.keys(h.env ?? {}), user: h.user }));
  return {
    network: { name: plan.network.name, labels: Object.keys(plan.network.labels) },
    volumes: plan.volumes.map((v) => ({ key: v.key, name: v.name, labels: Object.keys(v.labels), backup: v.backup })),
    containers: plan.containers.map((c) => ({
      service: c.service,
      name: c.name,
      image: c.image,
      entrypoint: c.entrypoint?.length,
      command: c.command?.length,
      env: Object.keys(c.env),
      labels: Object.keys(c.labels),
      mounts: c.mounts,
      ports: c.ports,
      healthcheck: c.healthcheck?.test.length,
      resources: c.resources,
      user: c.user,
      capabilities: c.capabilities,
      readOnlyRootFilesystem: c.readOnlyRootFilesystem,
      tmpfs: c.tmpfs,
      restartPolicy: c.restartPolicy,
      oneShot: c.oneShot,
      dependsOn: c.dependsOn,
    })),
    hooks: { firstStart: hooks(plan.hooks.firstStart), backup: hooks(plan.hooks.backup), upgrade: hooks(plan.hooks.upgrade) },
  };
}

/** Every string in the plan that ends up on a command line: what every local user can read in the process list. */
function commandLineValues(plan: DeploymentPlan): string[] {
  const hooks = [...plan.hooks.firstStart, ...plan.hooks.backup, ...plan.hooks.upgrade];
  return [
    ...plan.containers.flatMap((c) => [...(c.entrypoint ?? []), ...(c.command ?? []), ...(c.healthcheck?.test ?? [])]),
    ...hooks.flatMap((h) => [...h.argv, ...(h.recovery?.argv ?? [])]),
  ];
}

/** Every string in the plan that ends up as an argv element, env value or a hook's stdin. */
function argvAndEnvValues(plan: DeploymentPlan): string[] {
  const hooks = [...plan.hooks.firstStart, ...plan.hooks.backup, ...plan.hooks.upgrade];
  return [
    ...commandLineValues(plan),
    ...plan.containers.flatMap((c) => Object.values(c.env)),
    ...hooks.flatMap((h) => [...(h.stdin === undefined ? [] : [h.stdin]), ...Object.values(h.env ?? {})]),
  ];
}

function allLabelValues(plan: DeploymentPlan): string[] {
  return [plan.network.labels, ...plan.volumes.map((v) => v.labels), ...plan.containers.map((c) => c.labels)].flatMap((labels) => [
    ...Object.keys(labels),
    ...Object.values(labels),
  ]);
}

/** The fields a ValidationFailedError names. */
function refusedFields(render: () => unknown): string[] {
  try {
    render();
  } catch (error) {
    if (error instanceof ValidationFailedError) return Object.keys(error.fields ?? {});
    throw error;
  }
  throw new Error('expected the input to be refused');
}

describe('renderDeploymentPlan', () => {
  describe.each(APPS)('%s', (app) => {
    const plan = renderDeploymentPlan(input(app));

    it('names and labels every object by tenant, app and service', () => {
      expect(plan).toMatchObject({ tenant: TENANT, app, version: template(app).defaultVersion });
      expect(plan.network).toEqual({
        name: 'alm-gardeners',
        labels: { [LABELS.managed]: 'true', [LABELS.tenant]: TENANT.id, [LABELS.tenantSlug]: 'gardeners' },
      });
      for (const volume of plan.volumes) {
        expect(volume.name).toBe(`alm-gardeners-${app}-${volume.key}`);
        expect(volume.labels).toEqual({ ...plan.network.labels, [LABELS.app]: app });
      }
      for (const c of plan.containers) {
        expect(c.name).toBe(`alm-gardeners-${app}-${c.service}`);
        expect(c.labels).toEqual({ ...plan.network.labels, [LABELS.app]: app, [LABELS.service]: c.service, [LABELS.planHash]: plan.hash });
      }
    });

    it('gives every container numeric limits, a restart policy, and only named volumes of its own plan', () => {
      const volumeNames = new Set(plan.volumes.map((v) => v.name));
      const allowedFields = new Set([
        'service', 'name', 'image', 'entrypoint', 'command', 'user', 'workingDir', 'env', 'labels', 'mounts', 'ports',
        'healthcheck', 'resources', 'restartPolicy', 'oneShot', 'dependsOn', 'capabilities', 'readOnlyRootFilesystem', 'tmpfs',
      ]);
      for (const c of plan.containers) {
        expect(Object.keys(c).filter((field) => !allowedFields.has(field))).toEqual([]); // no privileged, binds, devices...
        expect(Number.isInteger(c.resources.memoryBytes) && c.resources.memoryBytes >= 64 * 1024 ** 2).toBe(true);
        expect(Number.isInteger(c.resources.nanoCpus) && c.resources.nanoCpus > 0).toBe(true);
        expect(Number.isInteger(c.resources.pidsLimit) && c.resources.pidsLimit > 0).toBe(true);
        expect(c.restartPolicy).toBe(c.oneShot ? 'no' : 'unless-stopped');
        for (const mount of c.mounts) {
          expect(volumeNames.has(mount.volume)).toBe(true);
          expect(mount.target).not.toMatch(/docker\.sock/);
        }
        if (!c.oneShot) expect(c.healthcheck?.test[0]).toBe('CMD');
      }
    });

    it('lists containers after the services they depend on', () => {
      const position = new Map(plan.containers.map((c, index) => [c.service, index]));
      for (const c of plan.containers) for (const dependency of c.dependsOn) expect(position.get(dependency)!).toBeLessThan(position.get(c.service)!);
    });

    it('is deterministic, and its hash covers the plan', () => {
      const again = renderDeploymentPlan(input(app, { secrets: Object.fromEntries(Object.entries(SECRETS[app]).reverse()) }));
      expect(again).toEqual(plan);
      expect(again.hash).toBe(plan.hash);
      expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(planHash(plan)).toBe(plan.hash);
    });

    it('changes its hash when a secret changes', () => {
      const [name] = Object.keys(SECRETS[app]);
      const changed = renderDeploymentPlan(input(app, { secrets: { ...SECRETS[app], [name]: 'another-secret-value-0123456789' } }));
      expect(changed.hash).not.toBe(plan.hash);
      expect(changed.containers[0].labels[LABELS.planHash]).toBe(changed.hash);
    });

    it('never puts a secret into a label', () => {
      const labels = allLabelValues(plan).join('\n');
      for (const secret of Object.values(SECRETS[app])) expect(labels).not.toContain(secret);
    });

    it('never puts a secret on a command line (entrypoint, command, healthcheck, hook argv)', () => {
      const commandLines = commandLineValues(plan).join('\n');
      for (const secret of Object.values(SECRETS[app])) expect(commandLines).not.toContain(secret);
    });

    it('runs every container least-privileged: no capabilities, a read-only root, a named unprivileged user, bounded tmpfs', () => {
      for (const c of plan.containers) {
        expect({ service: c.service, capabilities: c.capabilities, readOnlyRootFilesystem: c.readOnlyRootFilesystem }).toEqual({
          service: c.service, capabilities: [], readOnlyRootFilesystem: true,
        });
        expect(c.user).toMatch(/^[a-z][a-z-]*$/);
        expect(['root', '0']).not.toContain(c.user);
        const tmpfsBytes = c.tmpfs.reduce((sum, mount) => sum + mount.sizeBytes, 0);
        expect(tmpfsBytes).toBeLessThanOrEqual(c.resources.memoryBytes);
      }
      expect(() => checkPlan(plan)).not.toThrow();
    });

    it('refuses missing or multi-line secrets and unknown versions', () => {
      const [name] = Object.keys(SECRETS[app]);
      const { [name]: _missing, ...incomplete } = SECRETS[app];
      expect(refusedFields(() => renderDeploymentPlan(input(app, { secrets: incomplete })))).toEqual([`secrets.${name}`]);
      expect(refusedFields(() => renderDeploymentPlan(input(app, { secrets: { ...SECRETS[app], [name]: 'abc\ndef' } })))).toEqual([`secrets.${name}`]);
      expect(refusedFields(() => renderDeploymentPlan(input(app, { version: '99' })))).toEqual(['version']);
    });
  });

  it('renders Prosody: domain in env, runs as prosody with a tmpfs for its pid file, admin password on stdin', () => {
    const plan = renderDeploymentPlan(input('prosody'));
    expect(plan.containers.map((c) => c.service)).toEqual(['prosody']);
    const prosody = container(plan, 'prosody');
    expect(prosody.image).toBe('allmende/prosody:0.12');
    expect(prosody.env).toMatchObject({
      ALLMENDE_XMPP_DOMAIN: 'prosody.gardeners.example.org',
      ALLMENDE_XMPP_ADMINS: 'admin@prosody.gardeners.example.org',
    });
    expect(prosody.resources).toEqual({ memoryBytes: 256 * 1024 ** 2, nanoCpus: 500_000_000, pidsLimit: 256 });
    expect(prosody.ports.filter((p) => p.publish).map((p) => p.container)).toEqual([5222, 5269]); // 5280 only through the edge
    expect(prosody).toMatchObject({
      user: 'prosody',
      capabilities: [],
      readOnlyRootFilesystem: true,
      tmpfs: [{ target: '/run/prosody', sizeBytes: 1024 ** 2, mode: '1777' }],
    });
    expect(hook(plan, 'create-admin')).toEqual({
      name: 'create-admin',
      service: 'prosody',
      user: 'prosody',
      argv: ['allmende-prosody-set-password', 'admin', 'prosody.gardeners.example.org'],
      stdin: `${SECRETS.prosody.admin_password}\n`,
      timeoutSeconds: 60,
      acceptExitCodes: [],
    });
    expect(plan.volumes).toEqual([expect.objectContaining({ key: 'data', backup: true })]);
  });

  it('renders WordPress: database reached by its app-qualified alias, Apache as www-data on 8080, install with the password on stdin', () => {
    const plan = renderDeploymentPlan(input('wordpress'));
    expect(plan.containers.map((c) => c.service)).toEqual(['db', 'web']);
    expect(container(plan, 'web').env).toMatchObject({
      DB_HOST: 'wordpress-db',
      DB_PASSWORD: SECRETS.wordpress.db_password,
      WP_HOME: 'https://wordpress.gardeners.example.org',
      WORDPRESS_NONCE_SALT: SECRETS.wordpress.nonce_salt,
    });
    expect(container(plan, 'db').env.MARIADB_PASSWORD).toBe(SECRETS.wordpress.db_password);
    expect(hook(plan, 'install').argv).toEqual([
      'allmende-wp-install', '--url', 'https://wordpress.gardeners.example.org', '--title', 'Gardeners of the South',
      '--admin_user', 'admin', '--prompt=admin_password', '--admin_email', 'anna@example.org', '--skip-email',
    ]);
    expect(hook(plan, 'install').stdin).toBe(`${SECRETS.wordpress.admin_password}\n`);
    expect(container(plan, 'web')).toMatchObject({ user: 'www-data', ports: [{ container: 8080, protocol: 'tcp', publish: false }], env: { ALLMENDE_HTTP_PORT: '8080' } });
    expect(container(plan, 'web').tmpfs.map((mount) => [mount.target, mount.mode])).toEqual([
      ['/run/apache2', '1777'], ['/run/lock', '1777'], ['/var/lib/php/sessions', '1733'], ['/tmp', '1777'],
    ]);
    expect(container(plan, 'db').user).toBe('mysql');
    expect(hook(plan, 'upgrade-database').argv).toEqual(['allmende-wp-update-db']);
    expect(hook(plan, 'dump-database').argv).toContain('--result-file=/var/backups/allmende/wordpress.sql');
    const backedUp = plan.volumes.filter((v) => v.backup).map((v) => v.key);
    expect(backedUp).toEqual(['content', 'db-dumps']);
    // the dump is required to be non-empty, and loaded back by the same service after a restore
    expect(hook(plan, 'dump-database')).toMatchObject({
      output: { volume: 'db-dumps', path: 'wordpress.sql' },
      restore: { name: 'dump-database-restore', service: 'db', argv: ['mariadb', '--execute=source /var/backups/allmende/wordpress.sql'], acceptExitCodes: [] },
    });
    expect(container(plan, 'db').mounts.map((m) => m.target)).toContain('/var/backups/allmende');
  });

  it('renders Mastodon: db:prepare runs to completion before web and sidekiq, with every required key', () => {
    const plan = renderDeploymentPlan(input('mastodon'));
    expect(plan.containers.map((c) => c.service)).toEqual(['db', 'redis', 'db-prepare', 'web', 'streaming', 'sidekiq']);
    const prepare = container(plan, 'db-prepare');
    expect(prepare).toMatchObject({ oneShot: true, restartPolicy: 'no', command: ['bundle', 'exec', 'rails', 'db:prepare'], dependsOn: ['db'] });
    expect(container(plan, 'web').dependsOn).toEqual(['db', 'redis', 'db-prepare']);
    expect(container(plan, 'sidekiq').dependsOn).toContain('db-prepare');
    const env = container(plan, 'web').env;
    for (const key of [
      'LOCAL_DOMAIN', 'DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASS', 'DB_NAME', 'REDIS_HOST', 'REDIS_PORT', 'SECRET_KEY_BASE', 'OTP_SECRET',
      'VAPID_PRIVATE_KEY', 'VAPID_PUBLIC_KEY', 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
      'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT', 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
    ]) {
      expect(env[key]).toBeTruthy();
    }
    expect(env).toMatchObject({ LOCAL_DOMAIN: 'mastodon.gardeners.example.org', DB_HOST: 'mastodon-db', REDIS_HOST: 'mastodon-redis' });
    expect(Object.keys(env).filter((key) => key.startsWith('SMTP_'))).toEqual([]);
    expect(container(plan, 'streaming').env).not.toHaveProperty('SECRET_KEY_BASE'); // each container gets what it needs
    expect(container(plan, 'web').image).toBe('ghcr.io/mastodon/mastodon:v4.3.17');
    expect(container(plan, 'streaming').image).toBe('ghcr.io/mastodon/mastodon-streaming:v4.3.17');
    expect(hook(plan, 'create-owner').argv).toEqual([
      'bin/tootctl', 'accounts', 'create', 'anna', '--email', 'anna@example.org', '--confirmed', '--approve', '--role', 'Owner',
    ]);
    expect(hook(plan, 'migrate-database').argv).toEqual(['bundle', 'exec', 'rails', 'db:migrate']);
    // upstream's image runs as mastodon (991) and may write only tmp/ and public/system
    expect(container(plan, 'web')).toMatchObject({
      user: 'mastodon',
      readOnlyRootFilesystem: true,
      tmpfs: [
        { target: '/opt/mastodon/tmp', sizeBytes: 256 * 1024 ** 2, mode: '0755', uid: 991, gid: 991 },
        { target: '/tmp', sizeBytes: 64 * 1024 ** 2, mode: '1777' },
      ],
    });
    expect(container(plan, 'redis')).toMatchObject({ user: 'redis', tmpfs: [] });
    expect(container(plan, 'db')).toMatchObject({ user: 'postgres', tmpfs: [expect.objectContaining({ target: '/var/run/postgresql' }), expect.objectContaining({ target: '/tmp' })] });
    expect(hook(plan, 'dump-database').argv[0]).toBe('pg_dump');
  });

  it("writes a hook's stdin (and its recovery's) as one line, so the secret is never an argument", () => {
    const withRecovery = structuredClone(template('prosody'));
    withRecovery.hooks.firstStart[0].recovery = { whenOutputMatches: 'locked', argv: ['allmende-unlock', '{{ admin.username }}'], stdin: '{{ secrets.admin_password }}' };
    const planned = hook(renderDeploymentPlan({ ...input('prosody'), manifest: withRecovery }), 'create-admin');
    expect(planned.stdin).toBe(`${SECRETS.prosody.admin_password}\n`);
    expect(planned.recovery).toEqual({ whenOutputMatches: 'locked', argv: ['allmende-unlock', 'admin'], stdin: `${SECRETS.prosody.admin_password}\n` });
    expect(hook(renderDeploymentPlan(input('mastodon')), 'create-owner').stdin).toBeUndefined();
  });

  it('applies image overrides (the Mastodon stand-in in tests)', () => {
    const standIn = 'allmende-test/mastodon-standin:4.3';
    const plan = renderDeploymentPlan(
      input('mastodon', {
        imageOverrides: { 'ghcr.io/mastodon/mastodon:v4.3.17': standIn, 'ghcr.io/mastodon/mastodon-streaming:v4.3.17': standIn },
      }),
    );
    expect(Object.fromEntries(plan.containers.map((c) => [c.service, c.image]))).toEqual({
      db: 'allmende/postgres:15',
      redis: 'allmende/redis:7',
      'db-prepare': standIn,
      web: standIn,
      streaming: standIn,
      sidekiq: standIn,
    });
    expect(plan.hash).not.toBe(renderDeploymentPlan(input('mastodon')).hash);
    expect(refusedFields(() => renderDeploymentPlan(input('mastodon', { imageOverrides: { 'ghcr.io/x:1': 'evil image; rm -rf /' } })))).toEqual(['imageOverrides']);
  });

  it('changes the hash (and the images) with the version', () => {
    const twoVersions = structuredClone(template('prosody'));
    twoVersions.versions.push({ version: '0.13', default: false, upgradeFrom: [], images: { prosody: 'allmende/prosody:0.13' } });
    const older = renderDeploymentPlan({ ...input('prosody'), manifest: twoVersions });
    const newer = renderDeploymentPlan({ ...input('prosody'), manifest: twoVersions, version: '0.13' });
    expect(newer.version).toBe('0.13');
    expect(newer.containers[0].image).toBe('allmende/prosody:0.13');
    expect(newer.hash).not.toBe(older.hash);
  });
});

describe('hostile input', () => {
  const benign = Object.fromEntries(APPS.map((app) => [app, structure(renderDeploymentPlan(input(app)))]));

  /** Renders, checks the structure did not move, and returns the plan. */
  function renderAccepted(app: App, changes: Parameters<typeof input>[1]): DeploymentPlan {
    const plan = renderDeploymentPlan(input(app, changes));
    expect(structure(plan)).toEqual(benign[app]);
    expect(allLabelValues(plan).join('\n')).not.toMatch(/Gardeners|anna|example\.org/); // no free text in labels
    return plan;
  }

  describe('club names are free text: accepted verbatim as exactly one argv element', () => {
    const hostileNames = [
      `Robert'); DROP TABLE clubs;--`,
      `"double" and 'single' quotes`,
      '$HOME ${HOME} $(id) `id`',
      '{{ secrets.admin_password }}',
      '{{secrets.db_password}} {{ clubName }}',
      ']] os.execute("id") --[[',
      "<?php system($_GET['c']); ?>",
      '; rm -rf / && echo pwned | sh &',
      'Ｇａｒｄｅｎ Ｃｌｕｂ (fullwidth)',
      'Садоводы Юга', // Cyrillic
      'Familie 👨‍👩‍👧 e.V.', // zero-width joiners inside an emoji
      'back\\slash %s %n %x',
      'x'.repeat(100),
    ];
    it.each(hostileNames)('%s', (clubName) => {
      const plan = renderAccepted('wordpress', { clubName });
      const argv = hook(plan, 'install').argv;
      expect(argv[argv.indexOf('--title') + 1]).toBe(clubName);
      expect(argvAndEnvValues(plan).filter((value) => value.includes(clubName))).toEqual([clubName]);
      // a value that looks like an expression stays text: the secret appears only where the template puts it
      expect(argvAndEnvValues(plan).filter((value) => value.includes(SECRETS.wordpress.admin_password))).toEqual([`${SECRETS.wordpress.admin_password}\n`]);
      for (const app of ['prosody', 'mastodon'] as const) renderAccepted(app, { clubName });
    });
  });

  describe('club names that are refused', () => {
    it.each([
      ['a newline', 'Club\nX-Injected: 1'],
      ['a carriage return', 'Club\rX'],
      ['a tab', 'Club\tX'],
      ['a NUL byte', 'Club\u0000X'],
      ['an escape sequence', 'Club\u001b[31mred'],
      ['a right-to-left override', 'Club \u202Egnp.exe'],
      ['a bidi isolate', 'Club \u2066x\u2069'],
      ['a line separator', 'Club\u2028X'],
      ['a lone surrogate', 'Club \ud800'],
      ['10k characters', 'x'.repeat(10_000)],
      ['101 characters', 'x'.repeat(101)],
      ['nothing', ''],
      ['only spaces', '   '],
    ])('%s', (_what, clubName) => {
      for (const app of APPS) expect(refusedFields(() => renderDeploymentPlan(input(app, { clubName })))).toEqual(['clubName']);
    });
  });

  describe('domains: lower-case ASCII DNS names only', () => {
    it.each(['chat.example.org', 'a.b.c.d.example.org', 'xn--grtner-cua.example', 'xn--80ak6aa92e.xn--p1ai', 'my-club.allmende.localhost', `${'a'.repeat(63)}.example.org`])(
      'accepts %s verbatim',
      (primary) => {
        const plan = renderAccepted('prosody', { domains: { primary } });
        expect(container(plan, 'prosody').env.ALLMENDE_XMPP_DOMAIN).toBe(primary);
        expect(hook(plan, 'create-admin').argv[2]).toBe(primary);
      },
    );

    it.each([
      ['Cyrillic а look-alike', 'chat.exаmple.org'],
      ['fullwidth letters', 'ｃｈａｔ.example.org'],
      ['upper case', 'Chat.Example.org'],
      ['a trailing dot', 'chat.example.org.'],
      ['no top-level domain', 'localhost'],
      ['an IP address', '10.0.0.1'],
      ['a leading hyphen', '-chat.example.org'],
      ['an empty label', 'chat..example.org'],
      ['a shell command', 'chat.example.org;rm -rf /'],
      ['a newline', 'chat.example.org\nevil.org'],
      ['a substitution', '${HOST}.example.org'],
      ['an expression', '{{ secrets.admin_password }}'],
      ['a zero-width joiner', 'chat\u200d.example.org'],
      ['an RTL override', 'chat\u202e.example.org'],
      ['a path', 'chat.example.org/wp-admin'],
      ['a port', 'chat.example.org:443'],
      ['a user part', 'admin@chat.example.org'],
      ['a 64-character label', `${'a'.repeat(64)}.example.org`],
      ['more than 253 characters', `${'abcdefghi.'.repeat(25)}example.org`],
      ['10k characters', `${'a'.repeat(10_000)}.org`],
    ])('refuses %s', (_what, primary) => {
      for (const app of APPS) expect(refusedFields(() => renderDeploymentPlan(input(app, { domains: { primary } })))).toEqual(['domains.primary']);
    });
  });

  describe('admin email: strict ASCII', () => {
    it.each(['anna@example.org', 'anna.berg+club@mail.example.org', 'A_B%c@Example.ORG'])('accepts %s verbatim', (email) => {
      const plan = renderAccepted('mastodon', { admin: { email } });
      const argv = hook(plan, 'create-owner').argv;
      expect(argv[argv.indexOf('--email') + 1]).toBe(email);
      renderAccepted('wordpress', { admin: { email } });
    });

    it.each([
      ['a header injection', 'anna@example.org\nBcc: all@example.org'],
      ['quotes', '"anna berg"@example.org'],
      ['a space', 'anna berg@example.org'],
      ['an apostrophe', "o'brien@example.org"],
      ['a Cyrillic а', 'аnna@example.org'],
      ['fullwidth @', 'anna＠example.org'],
      ['an option look-alike', '--help@example.org'],
      ['a shell substitution', '$(id)@example.org'],
      ['an expression', '{{ secrets.db_password }}@example.org'],
      ['a command after it', 'anna@example.org; rm -rf /'],
      ['no domain dot', 'anna@example'],
      ['no local part', '@example.org'],
      ['10k characters', `${'a'.repeat(10_000)}@example.org`],
      ['a 65-character local part', `${'a'.repeat(65)}@example.org`],
    ])('refuses %s', (_what, email) => {
      for (const app of APPS) expect(refusedFields(() => renderDeploymentPlan(input(app, { admin: { email } })))).toEqual(['admin.email']);
    });
  });

  describe('admin username: safe for XMPP, WordPress and Mastodon', () => {
    it.each(['anna', 'j.doe', 'club_admin', 'anna-berg', 'a', `a${'b'.repeat(29)}`])('accepts %s verbatim', (username) => {
      const plan = renderAccepted('prosody', { admin: { username } });
      expect(hook(plan, 'create-admin').argv[1]).toBe(username);
      expect(container(plan, 'prosody').env.ALLMENDE_XMPP_ADMINS).toBe(`${username}@prosody.gardeners.example.org`);
      expect(hook(renderAccepted('mastodon', { admin: { username } }), 'create-owner').argv[3]).toBe(username);
    });

    it.each([
      ['upper case', 'Anna'],
      ['a leading digit', '1anna'],
      ['a leading hyphen (option look-alike)', '-anna'],
      ['an option', '--help'],
      ['a semicolon', 'anna;id'],
      ['a space', 'an na'],
      ['a newline', 'anna\n'],
      ['a Cyrillic а', 'аnna'],
      ['fullwidth letters', 'ａnna'],
      ['a zero-width joiner', 'an\u200dna'],
      ['a trailing dot (Mastodon refuses it)', 'anna.'],
      ['an @', 'anna@example.org'],
      ['31 characters (Mastodon allows 30)', `a${'b'.repeat(30)}`],
      ['an expression', '{{ secrets.admin_password }}'],
      ['10k characters', 'a'.repeat(10_000)],
    ])('refuses %s', (_what, username) => {
      for (const app of APPS) expect(refusedFields(() => renderDeploymentPlan(input(app, { admin: { username } })))).toEqual(['admin.username']);
    });

    it("refuses names the app reserves, and uses the template's default when none is given", () => {
      expect(refusedFields(() => renderDeploymentPlan(input('mastodon', { admin: { username: 'admin' } })))).toEqual(['admin.username']);
      expect(hook(renderDeploymentPlan(input('wordpress', { admin: { username: 'admin' } })), 'install').argv).toContain('admin');
      expect(hook(renderDeploymentPlan(input('mastodon', { admin: { username: undefined } })), 'create-owner').argv[3]).toBe('owner');
    });
  });

  it('refuses a bad tenant slug or id before naming anything after it', () => {
    for (const slug of ['Gardeners', '-gardeners', 'gardeners-', 'gar_deners', 'gar;deners', '../etc', 'a'.repeat(41), 'gärtner', '']) {
      expect(refusedFields(() => renderDeploymentPlan(input('prosody', { tenant: { ...TENANT, slug } })))).toEqual(['tenant.slug']);
    }
    for (const id of ['not-a-uuid', TENANT.id.toUpperCase(), `${TENANT.id}\n`, '']) {
      expect(refusedFields(() => renderDeploymentPlan(input('prosody', { tenant: { ...TENANT, id } })))).toEqual(['tenant.id']);
    }
  });

  it('reports every bad field at once, and values of the wrong type', () => {
    const everythingWrong = { ...input('wordpress'), clubName: 42, domains: { primary: null }, admin: { email: ['a'], username: 'X' } } as unknown as RenderPlanInput;
    expect(refusedFields(() => renderDeploymentPlan(everythingWrong)).sort()).toEqual(['admin.email', 'admin.username', 'clubName', 'domains.primary']);
  });

  it('refuses a display name with control characters, though no template uses it yet', () => {
    expect(refusedFields(() => renderDeploymentPlan(input('prosody', { admin: { displayName: 'Anna\nBerg' } })))).toEqual(['admin.displayName']);
  });
});

describe('renderAdminAccess', () => {
  it('renders how the admin logs in, and where the password comes from', () => {
    expect(renderAdminAccess(input('prosody'))).toEqual({
      username: 'admin@prosody.gardeners.example.org',
      loginUrl: 'xmpp:admin@prosody.gardeners.example.org',
      passwordSecret: 'admin_password',
    });
    expect(renderAdminAccess(input('wordpress'))).toMatchObject({ username: 'admin', loginUrl: 'https://wordpress.gardeners.example.org/wp-login.php' });
    const mastodon = renderAdminAccess(input('mastodon'));
    expect(mastodon).toEqual({
      username: 'anna@example.org',
      loginUrl: 'https://mastodon.gardeners.example.org/auth/sign_in',
      passwordSecret: 'admin_password',
      capturedBy: { hook: 'create-owner', pattern: 'New password: (\\S+)' },
    });
    expect(new RegExp(mastodon.capturedBy!.pattern).exec('OK\nNew password: 6f1e0c2b9a\n')?.[1]).toBe('6f1e0c2b9a');
  });

  it('checks its input like the plan does', () => {
    expect(() => renderAdminAccess(input('prosody', { domains: { primary: 'evil\n.org' } }))).toThrow(DomainError);
  });
});

describe('renderAdminPasswordReset', () => {
  it('sets a generated password through the app\'s own tool: the password on stdin, never an argument', () => {
    const fresh = { ...SECRETS.prosody, admin_password: 'a-new-password-of-24-chr' };
    const reset = renderAdminPasswordReset(input('prosody', { secrets: fresh }))!;
    expect(reset).toEqual({
      hook: {
        name: 'reset-admin-password',
        service: 'prosody',
        user: 'prosody',
        argv: ['allmende-prosody-set-password', 'admin', 'prosody.gardeners.example.org'],
        stdin: 'a-new-password-of-24-chr\n',
        timeoutSeconds: 60,
        acceptExitCodes: [],
      },
    });
    const wordpress = renderAdminPasswordReset(input('wordpress', { secrets: { ...SECRETS.wordpress, admin_password: 'another-new-password-24c' } }))!;
    expect(wordpress.hook.stdin).toBe('another-new-password-24c\n');
    expect(wordpress.hook.argv.slice(-2)).toEqual(['--', 'admin']);
    expect(wordpress.hook.argv.join(' ')).not.toContain('another-new-password-24c');
  });

  it('lets Mastodon make the password up and finds it in what tootctl prints', () => {
    const reset = renderAdminPasswordReset(input('mastodon'))!;
    expect(reset.hook.argv).toEqual(['bin/tootctl', 'accounts', 'modify', 'anna', '--reset-password']);
    expect(reset.hook.stdin).toBeUndefined();
    expect(new RegExp(reset.capturePattern!).exec('OK\nNew password: 6f1e0c2b9a\n')?.[1]).toBe('6f1e0c2b9a');
  });

  it('is null for an app without one, and checks its input like the plan does', () => {
    const without = { ...template('prosody'), admin: { ...template('prosody').admin, passwordReset: undefined } };
    expect(renderAdminPasswordReset({ ...input('prosody'), manifest: without })).toBeNull();
    expect(() => renderAdminPasswordReset(input('prosody', { domains: { primary: 'evil\n.org' } }))).toThrow(DomainError);
  });
});

describe('web routes, published ports and the web address', () => {
  it('routes the edge to containers by their Docker names, paths before the catch-all', () => {
    expect(renderWebRoutes(input('wordpress'))).toEqual([{ container: 'alm-gardeners-wordpress-web', port: 8080 }]);
    expect(renderWebRoutes(input('prosody'))).toEqual([
      { container: 'alm-gardeners-prosody-prosody', port: 5280, paths: ['/http-bind', '/http-bind/*', '/xmpp-websocket', '/xmpp-websocket/*'] },
    ]);
    expect(renderWebRoutes(input('mastodon')).map((route) => [route.container, route.port, route.paths?.[0]])).toEqual([
      ['alm-gardeners-mastodon-streaming', 4000, '/api/v1/streaming'],
      ['alm-gardeners-mastodon-web', 3000, undefined],
    ]);
  });

  it('publishes only the XMPP ports, each advertised by its SRV service, at the host ports given', () => {
    expect(publishedPortsOf(template('prosody'))).toEqual([
      { service: 'prosody', container: 5222, protocol: 'tcp', key: 'prosody:5222/tcp', srv: 'xmpp-client' },
      { service: 'prosody', container: 5269, protocol: 'tcp', key: 'prosody:5269/tcp', srv: 'xmpp-server' },
    ]);
    expect(publishedPortsOf(template('wordpress'))).toEqual([]);
    expect(publishedPortsOf(template('mastodon'))).toEqual([]);
    const plan = renderDeploymentPlan(input('prosody', { published: { hostIp: '0.0.0.0', ports: { 'prosody:5222/tcp': 20001, 'prosody:5269/tcp': 20002 } } }));
    expect(container(plan, 'prosody').ports).toEqual([
      { container: 5222, protocol: 'tcp', publish: true, hostPort: 20001, hostIp: '0.0.0.0' },
      { container: 5269, protocol: 'tcp', publish: true, hostPort: 20002, hostIp: '0.0.0.0' },
      { container: 5280, protocol: 'tcp', publish: false },
    ]);
    expect(() => checkPlan(plan)).not.toThrow();
    expect(plan.hash).not.toBe(renderDeploymentPlan(input('prosody')).hash);
  });

  it("installs the edge's certificates for Prosody's domain and group chat component, the host name as the last argument", () => {
    expect(renderCertificateInstalls(input('prosody'))).toEqual([
      { hostName: 'prosody.gardeners.example.org', hook: { name: 'install-certificate-prosody.gardeners.example.org', service: 'prosody', user: 'prosody', argv: ['allmende-prosody-install-cert', 'prosody.gardeners.example.org'], timeoutSeconds: 60, acceptExitCodes: [] } },
      { hostName: 'conference.prosody.gardeners.example.org', hook: expect.objectContaining({ argv: ['allmende-prosody-install-cert', 'conference.prosody.gardeners.example.org'] }) },
    ]);
    expect(renderCertificateInstalls(input('wordpress'))).toEqual([]);
  });

  it('puts the HTTPS port into the web address only when it is not 443', () => {
    const onPort = renderDeploymentPlan(input('wordpress', { web: { httpsPort: 8443 } }));
    expect(container(onPort, 'web').env).toMatchObject({ WP_HOME: 'https://wordpress.gardeners.example.org:8443', WP_SITEURL: 'https://wordpress.gardeners.example.org:8443' });
    expect(renderAdminAccess(input('wordpress', { web: { httpsPort: 8443 } })).loginUrl).toBe('https://wordpress.gardeners.example.org:8443/wp-login.php');
    expect(container(renderDeploymentPlan(input('wordpress', { web: { httpsPort: 443 } })), 'web').env.WP_HOME).toBe('https://wordpress.gardeners.example.org');
  });

  it('refuses a bad HTTPS port, host address or host port, naming the field', () => {
    const fields = (changes: Partial<RenderPlanInput>) => {
      try {
        renderDeploymentPlan(input('prosody', changes));
      } catch (error) {
        return Object.keys((error as ValidationFailedError).fields ?? {});
      }
      return [];
    };
    expect(fields({ web: { httpsPort: 0 } })).toEqual(['web.httpsPort']);
    expect(fields({ published: { hostIp: 'public', ports: {} } })).toEqual(['published.hostIp']);
    expect(fields({ published: { ports: { 'prosody:5222/tcp': 70_000 } } })).toEqual(['published.ports']);
    expect(fields({ published: { ports: { 'x y:5222/tcp': 20_001 } } })).toEqual(['published.ports']);
  });
});
