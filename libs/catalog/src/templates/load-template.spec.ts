import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigurationError } from '#platform';
import { loadTemplateFile, loadTemplates } from './load-template.js';

const TEMPLATES = resolve(process.cwd(), 'templates');
type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function original(app: string): Manifest {
  return parse(readFileSync(join(TEMPLATES, app, 'manifest.yaml'), 'utf8'));
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'allmende-templates-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

function write(folder: string, content: Manifest | string): string {
  mkdirSync(join(scratch, folder), { recursive: true });
  const file = join(scratch, folder, 'manifest.yaml');
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

/** Loads a changed copy of a real template and returns the error message. */
function problemWith(app: string, change: (manifest: Manifest) => void, folder = app): string {
  const manifest = original(app);
  change(manifest);
  const file = write(folder, manifest);
  try {
    loadTemplateFile(file);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    expect(error.message.startsWith(`${file}: `)).toBe(true);
    return error.message.slice(file.length + 2);
  }
  throw new Error('expected the template to be refused');
}

describe('the shipped templates', () => {
  it('all load and pass every cross-check', () => {
    const templates = loadTemplates(TEMPLATES);
    expect([...templates.keys()]).toEqual(['mastodon', 'prosody', 'wordpress']);
    for (const template of templates.values()) {
      expect(template.versions.filter((version) => version.default)).toHaveLength(1);
      expect(template.defaultVersion).toBe(template.versions.find((version) => version.default)!.version);
    }
  });

  it('fill in defaults, so no list or flag is ever absent', () => {
    const mastodon = loadTemplates(TEMPLATES).get('mastodon')!;
    expect(mastodon.services['db-prepare']).toMatchObject({ oneShot: true, restart: 'no', ports: [], volumes: [] });
    expect(mastodon.services.web.volumes[0].readOnly).toBe(false);
    expect(mastodon.hooks.firstStart[0]).toMatchObject({ acceptExitCodes: [], captureSecret: { name: 'admin_password' } });
    // the YAML anchor gives the rails services one shared env
    expect(mastodon.services.web.env).toEqual(mastodon.services.sidekiq.env);
  });

  it('default to no capabilities, a read-only root and tmpfs mode 1777', () => {
    const manifest = original('prosody');
    delete manifest.services.prosody.capabilities;
    delete manifest.services.prosody.readOnlyRootFilesystem;
    const prosody = loadTemplateFile(write('prosody', manifest)).services.prosody;
    expect(prosody).toMatchObject({ capabilities: [], readOnlyRootFilesystem: true, tmpfs: [{ target: '/run/prosody', size: '1Mi', mode: '1777' }] });
  });
});

describe('secrets never reach a command line', () => {
  it('refuses the old hook form that passed the admin password as an argument, naming the hook', () => {
    expect(
      problemWith('prosody', (m) => {
        m.hooks.firstStart[0].argv = ['prosodyctl', 'register', '{{ admin.username }}', '{{ domains.primary }}', '{{ secrets.admin_password }}'];
        delete m.hooks.firstStart[0].stdin;
      }),
    ).toBe(
      '/hooks/firstStart/0/argv/4 puts secrets.admin_password on the command line of hook "create-admin", where every local user can read it; pass it through the hook\'s stdin or env',
    );
    expect(problemWith('wordpress', (m) => m.hooks.firstStart[0].argv.push('--admin_password={{ secrets.admin_password }}'))).toMatch(
      /^\/hooks\/firstStart\/0\/argv\/11 puts secrets.admin_password on the command line of hook "install"/,
    );
  });

  it('refuses a secret in a recovery argv, a service command, entrypoint or healthcheck', () => {
    expect(problemWith('mastodon', (m) => m.hooks.firstStart[0].recovery.argv.push('--password={{ secrets.db_password }}'))).toMatch(
      /^\/hooks\/firstStart\/0\/recovery\/argv\/5 puts secrets.db_password on the command line of hook "create-owner"/,
    );
    expect(problemWith('mastodon', (m) => (m.services.redis.command = ['redis-server', '--requirepass', '{{ secrets.redis_password }}']))).toBe(
      '/services/redis/command/2 puts secrets.redis_password on the command line of service "redis", where every local user can read it; pass it through env',
    );
    expect(problemWith('wordpress', (m) => (m.services.db.entrypoint = ['sh', '-c', 'x', '{{ secrets.db_password }}']))).toMatch(/^\/services\/db\/entrypoint\/3 puts secrets.db_password/);
    expect(problemWith('wordpress', (m) => (m.services.db.healthcheck.command = ['mariadb-admin', '-p{{ secrets.db_password }}', 'ping']))).toMatch(
      /^\/services\/db\/healthcheck\/command\/1 puts secrets.db_password/,
    );
  });

  it('accepts secrets in stdin and env, and checks stdin like any template string', () => {
    expect(() => loadTemplateFile(write('prosody', original('prosody')))).not.toThrow();
    expect(problemWith('prosody', (m) => (m.hooks.firstStart[0].stdin = '{{ secrets.root_password }}'))).toMatch(
      /^\/hooks\/firstStart\/0\/stdin uses unknown variable "secrets.root_password"/,
    );
    expect(problemWith('prosody', (m) => (m.hooks.firstStart[0].stdin = 'a\nb'))).toMatch(/^\/hooks\/firstStart\/0\/stdin must match pattern/);
    expect(problemWith('mastodon', (m) => (m.hooks.firstStart[0].recovery.stdin = '{{ secrets.admin_password }}'))).toMatch(
      /^\/hooks\/firstStart\/0\/recovery\/stdin uses unknown variable "secrets.admin_password"/, // captured: not known at render time
    );
  });
});

describe('privileges and writable places', () => {
  it.each(['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'DAC_READ_SEARCH', 'NET_RAW', 'ALL', 'CAP_SETUID'])('refuses adding %s', (capability) => {
    expect(problemWith('prosody', (m) => (m.services.prosody.capabilities = ['CHOWN', capability]))).toMatch(
      /^\/services\/prosody\/capabilities\/1 must be one of "CHOWN", "DAC_OVERRIDE", /,
    );
  });

  it('accepts capabilities of the allow-list once each', () => {
    const manifest = original('wordpress');
    manifest.services.web.capabilities = ['NET_BIND_SERVICE', 'SETUID', 'SETGID'];
    expect(loadTemplateFile(write('wordpress', manifest)).services.web.capabilities).toEqual(['NET_BIND_SERVICE', 'SETUID', 'SETGID']);
    expect(problemWith('wordpress', (m) => (m.services.web.capabilities = ['CHOWN', 'CHOWN']))).toMatch(/^\/services\/web\/capabilities must NOT have duplicate items/);
  });

  it('refuses privileged mode written as a flag of the root filesystem', () => {
    expect(problemWith('prosody', (m) => (m.services.prosody.readOnlyRootFilesystem = 'no'))).toBe('/services/prosody/readOnlyRootFilesystem must be boolean');
  });

  it('refuses a tmpfs that is not absolute, sits on a kernel path, or hides a volume', () => {
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].target = 'run/prosody'))).toMatch(/^\/services\/prosody\/tmpfs\/0\/target must match pattern/);
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].target = '/proc/sys'))).toBe('/services/prosody/tmpfs/0/target must not be in /proc, /sys, /dev');
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].target = '/'))).toMatch(/^\/services\/prosody\/tmpfs\/0\/target must be an absolute path below \//);
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].target = '/run/../etc'))).toBe('/services/prosody/tmpfs/0/target must not contain "." or ".." segments');
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].target = '/var/lib/prosody/'))).toBe('/services/prosody/volumes/0/target mounts /var/lib/prosody twice');
    expect(problemWith('prosody', (m) => m.services.prosody.tmpfs.push({ target: '/run/prosody/', size: '1Mi' }))).toBe('/services/prosody/tmpfs/1/target mounts /run/prosody twice');
  });

  it('refuses a tmpfs without a size, above 1024Mi, larger than the memory, executable, or with a mode that is not octal', () => {
    expect(problemWith('prosody', (m) => delete m.services.prosody.tmpfs[0].size)).toBe('/services/prosody/tmpfs/0/size is required');
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].size = '1Gi'))).toMatch(/^\/services\/prosody\/tmpfs\/0\/size must match pattern/);
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].size = '2048Mi'))).toBe('/services/prosody/tmpfs/0/size must be at most 1024Mi');
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].size = '300Mi'))).toBe(
      "/services/prosody/tmpfs may hold more than the service's memory (256Mi), which a tmpfs counts against",
    );
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].exec = true))).toBe('/services/prosody/tmpfs/0/exec is not a known field');
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].mode = '1777,exec'))).toMatch(/^\/services\/prosody\/tmpfs\/0\/mode must match pattern/);
    expect(problemWith('prosody', (m) => (m.services.prosody.tmpfs[0].uid = -1))).toBe('/services/prosody/tmpfs/0/uid must be >= 0');
  });
});

describe('a broken template is refused, naming the file and the field', () => {
  it('YAML that does not parse', () => {
    const file = write('prosody', 'app: prosody\nservices: [unclosed\n');
    expect(() => loadTemplateFile(file)).toThrow(new RegExp(`^${file}: `));
  });

  it('a value of the wrong form', () => {
    expect(problemWith('prosody', (m) => (m.services.prosody.resources.memory = '256 megabytes'))).toMatch(
      /^\/services\/prosody\/resources\/memory must match pattern "/,
    );
  });

  it('an unknown field (there is no way to ask for privileged mode or host paths)', () => {
    expect(problemWith('prosody', (m) => (m.services.prosody.privileged = true))).toBe('/services/prosody/privileged is not a known field');
    expect(problemWith('prosody', (m) => (m.services.prosody.volumes[0] = { volume: 'data', host: '/var/run/docker.sock', target: '/x' }))).toBe(
      '/services/prosody/volumes/0/host is not a known field',
    );
  });

  it('a missing field', () => {
    expect(problemWith('prosody', (m) => delete m.services.prosody.resources)).toBe('/services/prosody/resources is required');
    expect(problemWith('prosody', (m) => delete m.secrets[0].length)).toBe('/secrets/0/length is required');
  });

  it('a version written as a number', () => {
    expect(problemWith('prosody', (m) => (m.versions[0].version = 0.12))).toBe('/versions/0/version must be string');
  });

  it('WORDPRESS_CONFIG_EXTRA anywhere', () => {
    expect(problemWith('wordpress', (m) => (m.services.web.env.WORDPRESS_CONFIG_EXTRA = 'x'))).toMatch(
      /^\/services\/web\/env\/WORDPRESS_CONFIG_EXTRA is not an allowed name/,
    );
  });

  it('an app id that is not its folder name', () => {
    expect(problemWith('prosody', () => undefined, 'chat')).toBe('/app is "prosody" but the template\'s folder is "chat"');
  });

  it('no default version, or two', () => {
    expect(problemWith('prosody', (m) => (m.versions[0].default = false))).toBe('/versions must mark exactly one version "default: true" (found 0)');
    expect(problemWith('prosody', (m) => m.versions.push({ version: '0.13', default: true, images: { prosody: 'allmende/prosody:0.13' } }))).toBe(
      '/versions must mark exactly one version "default: true" (found 2)',
    );
  });

  it('a version listed twice', () => {
    expect(problemWith('prosody', (m) => m.versions.push({ ...m.versions[0], default: false }))).toBe('/versions/2/version "0.12" appears twice');
  });

  it('an upgrade from a version that does not exist, or from a newer one', () => {
    expect(problemWith('prosody', (m) => (m.versions[1].upgradeFrom = ['0.11']))).toBe('/versions/1/upgradeFrom/0 names no version of this template ("0.11")');
    expect(problemWith('prosody', (m) => (m.versions[0].upgradeFrom = ['13.0']))).toBe('/versions/0/upgradeFrom/0 "13.0" is listed after "0.12": list versions oldest first');
  });

  it('an upgrade hook for a version that does not exist', () => {
    expect(problemWith('wordpress', (m) => (m.hooks.upgrade[0].toVersions = ['7.0']))).toBe('/hooks/upgrade/0/toVersions/0 names no version of this template ("7.0")');
  });

  it('a version image for a service that does not exist', () => {
    expect(problemWith('wordpress', (m) => (m.versions[0].images.cache = 'allmende/redis:7'))).toBe('/versions/0/images/cache names no service of this template');
  });

  it('a service without an image in some version', () => {
    expect(problemWith('wordpress', (m) => delete m.versions[0].images.db)).toBe('/services/db/image is required: version "6.1" names no image for this service');
  });

  it('dependsOn naming a service that does not exist, or itself', () => {
    expect(problemWith('wordpress', (m) => (m.services.web.dependsOn = ['database']))).toBe('/services/web/dependsOn names unknown service "database"');
    expect(problemWith('wordpress', (m) => (m.services.web.dependsOn = ['web']))).toBe('/services/web/dependsOn must not name the service itself');
  });

  it('web routes to an unknown service, an undeclared or published port, two catch-alls, an SRV name on an unpublished port', () => {
    expect(problemWith('wordpress', (m) => (m.web = [{ service: 'www', port: 8080 }]))).toBe('/web/0/service names unknown service "www"');
    expect(problemWith('wordpress', (m) => (m.web = [{ service: 'web', port: 80 }]))).toBe('/web/0/port is not a tcp port of service "web"');
    expect(problemWith('wordpress', (m) => (m.services.web.ports[0].publish = true))).toMatch(/^\/web\/0\/port is published on the host/);
    expect(problemWith('wordpress', (m) => m.web.push({ service: 'web', port: 8080 }))).toBe('/web/1/paths only one route may take every path');
    expect(problemWith('wordpress', (m) => (m.web = [{ service: 'web', port: 8080, paths: ['/a/../b'] }]))).toBe('/web/0/paths must not contain "." or ".." segments');
    expect(problemWith('wordpress', (m) => (m.web = [{ service: 'web', port: 8080, paths: ['/{path}'] }]))).toMatch(/^\/web\/0\/paths\/0 must match pattern/);
    expect(problemWith('prosody', (m) => (m.services.prosody.ports[0].publish = false))).toBe('/services/prosody/ports/0/srv needs "publish: true": an SRV record points at a host port');
    expect(problemWith('prosody', (m) => (m.certificates.service = 'xmpp'))).toBe('/certificates/service names unknown service "xmpp"');
    expect(problemWith('prosody', (m) => (m.certificates.hostNames = ['{{ domains.other }}']))).toMatch(/^\/certificates\/hostNames\/0 uses unknown variable "domains.other"/);
    expect(problemWith('prosody', (m) => (m.certificates.install = ['install', '{{ secrets.admin_password }}']))).toMatch(/^\/certificates\/install\/1 puts secrets.admin_password on the command line/);
  });

  it('a dependency cycle', () => {
    expect(problemWith('mastodon', (m) => (m.services.db.dependsOn = ['web']))).toBe('/services/db/dependsOn forms a dependency cycle db -> web -> db');
    expect(problemWith('mastodon', (m) => (m.services.redis.dependsOn = ['sidekiq']))).toBe(
      '/services/redis/dependsOn forms a dependency cycle redis -> sidekiq -> redis',
    );
  });

  it('an expression naming a secret that does not exist', () => {
    expect(problemWith('wordpress', (m) => (m.services.web.env.DB_PASSWORD = '{{ secrets.database_password }}'))).toMatch(
      /^\/services\/web\/env\/DB_PASSWORD uses unknown variable "secrets.database_password"/,
    );
  });

  it('an expression using a variable that does not exist', () => {
    expect(problemWith('prosody', (m) => (m.hooks.firstStart[0].argv[2] = '{{ admin.password }}'))).toMatch(
      /^\/hooks\/firstStart\/0\/argv\/2 uses unknown variable "admin.password" \(known: tenant.id, /,
    );
    expect(problemWith('wordpress', (m) => (m.services.web.env.DB_HOST = '{{ services.database.host }}'))).toMatch(
      /uses unknown variable "services.database.host"/,
    );
  });

  it('a malformed expression', () => {
    for (const text of ['{{ domains.primary }', '{{domains.primary', '{{ domains primary }}', '{{ }}', '{{ 1x }}', '{{ a.b | upper }}', '{{{ app }}}']) {
      expect(problemWith('prosody', (m) => (m.services.prosody.env.ALLMENDE_XMPP_DOMAIN = text))).toBe(
        '/services/prosody/env/ALLMENDE_XMPP_DOMAIN has a malformed {{ }} expression (the form is {{ name.path }})',
      );
    }
  });

  it('a control character in a template string', () => {
    expect(problemWith('prosody', (m) => (m.services.prosody.command = ['prosody', '-F\n']))).toMatch(/^\/services\/prosody\/command\/1 must match pattern/);
  });

  it('a captured secret used in an expression (it does not exist when the plan is rendered)', () => {
    expect(problemWith('mastodon', (m) => (m.services.streaming.env.ADMIN_PASSWORD = '{{ secrets.admin_password }}'))).toMatch(
      /^\/services\/streaming\/env\/ADMIN_PASSWORD uses unknown variable "secrets.admin_password"/,
    );
  });

  it('the admin password naming no secret', () => {
    expect(problemWith('prosody', (m) => (m.admin.passwordSecret = 'root_password'))).toBe('/admin/passwordSecret names unknown secret "root_password"');
  });

  it('a reserved default admin name', () => {
    expect(problemWith('mastodon', (m) => (m.admin.defaultUsername = 'admin'))).toBe('/admin/defaultUsername must be a valid, unreserved admin username');
  });

  it('secrets listed twice, or a public key of no private key', () => {
    expect(problemWith('wordpress', (m) => m.secrets.push(m.secrets[1]))).toBe('/secrets/10/name "db_password" appears twice');
    expect(problemWith('mastodon', (m) => (m.secrets[5].of = 'db_password'))).toBe('/secrets/5/of must name a vapid-private-key secret (got "db_password")');
    expect(problemWith('mastodon', (m) => (m.secrets[4].length = 32))).toBe('/secrets/4 has a field its kind does not allow');
  });

  it('hooks naming a service that does not exist, or a one-shot', () => {
    expect(problemWith('wordpress', (m) => (m.hooks.backup[0].service = 'mariadb'))).toBe('/hooks/backup/0/service names unknown service "mariadb"');
    expect(problemWith('mastodon', (m) => (m.hooks.upgrade[0].service = 'db-prepare'))).toBe(
      '/hooks/upgrade/0/service "db-prepare" is a one-shot service; hooks need a running container',
    );
  });

  it('backup hooks whose output is not in a backed-up volume of their service, or a restore without output', () => {
    expect(problemWith('wordpress', (m) => (m.hooks.backup[0].output.volume = 'content'))).toBe('/hooks/backup/0/output/volume "content" is not a volume service "db" mounts writable');
    expect(problemWith('wordpress', (m) => (m.hooks.backup[0].output.volume = 'db-data'))).toBe('/hooks/backup/0/output/volume "db-data" is not backed up (volumes.db-data.backup)');
    expect(problemWith('wordpress', (m) => (m.hooks.backup[0].output.path = '../db-data/ibdata1'))).toMatch(/^\/hooks\/backup\/0\/output\/path /);
    expect(problemWith('wordpress', (m) => delete m.hooks.backup[0].output)).toBe('/hooks/backup/0/restore needs output: the file it loads back');
    expect(problemWith('wordpress', (m) => (m.hooks.backup[0].restore.argv = ['mariadb', '--password={{ secrets.db_password }}']))).toMatch(/restore\/argv\/1 puts secrets.db_password on the command line/);
    expect(problemWith('mastodon', (m) => (m.hooks.upgrade[0].output = { volume: 'system', path: 'x' }))).toBe('/hooks/upgrade/0/output is not a known field');
  });

  it('two hooks of one phase with the same name', () => {
    expect(problemWith('wordpress', (m) => m.hooks.backup.push(m.hooks.backup[0]))).toBe('/hooks/backup/1/name "dump-database" appears twice in backup');
  });

  it('secret capture done wrong', () => {
    expect(problemWith('mastodon', (m) => (m.hooks.firstStart[0].captureSecret.pattern = 'New password: \\S+'))).toBe(
      '/hooks/firstStart/0/captureSecret/pattern must be a regular expression with exactly one capture group',
    );
    expect(problemWith('mastodon', (m) => (m.hooks.firstStart[0].captureSecret.pattern = 'New password: (\\S+'))).toMatch(/captureSecret\/pattern must be/);
    expect(problemWith('mastodon', (m) => (m.hooks.firstStart[0].captureSecret.name = 'db_password'))).toBe(
      '/hooks/firstStart/0/captureSecret/name must name a secret of kind "captured" (got "db_password")',
    );
    expect(problemWith('mastodon', (m) => delete m.hooks.firstStart[0].captureSecret)).toBe('/secrets/9 "admin_password" is captured by no firstStart hook');
    expect(
      problemWith('mastodon', (m) => {
        m.hooks.upgrade[0].captureSecret = m.hooks.firstStart[0].captureSecret;
      }),
    ).toBe('/hooks/upgrade/0/captureSecret is only allowed in firstStart hooks');
  });

  it('an admin password reset done wrong', () => {
    expect(problemWith('prosody', (m) => (m.admin.passwordReset.service = 'nobody'))).toBe('/admin/passwordReset/service names unknown service "nobody"');
    expect(problemWith('mastodon', (m) => (m.admin.passwordReset.service = 'db-prepare'))).toBe(
      '/admin/passwordReset/service "db-prepare" is a one-shot service; a reset needs a running container',
    );
    // the new password is an argument: every local user could read it
    expect(problemWith('prosody', (m) => m.admin.passwordReset.argv.push('{{ secrets.admin_password }}'))).toMatch(
      /^\/admin\/passwordReset\/argv\/3 puts secrets.admin_password on the command line of the admin password reset/,
    );
    expect(problemWith('prosody', (m) => (m.admin.passwordReset.stdin = '{{ admin.username }}'))).toBe('/admin/passwordReset/stdin must pass the new password as {{ secrets.admin_password }}');
    expect(problemWith('wordpress', (m) => (m.admin.passwordReset.capturePassword = 'password: (\\S+)'))).toMatch(/^\/admin\/passwordReset\/capturePassword must be absent/);
    expect(problemWith('mastodon', (m) => delete m.admin.passwordReset.capturePassword)).toMatch(/^\/admin\/passwordReset\/capturePassword is required/);
    expect(problemWith('mastodon', (m) => (m.admin.passwordReset.capturePassword = 'New password: \\S+'))).toBe(
      '/admin/passwordReset/capturePassword must be a regular expression with exactly one capture group',
    );
    expect(problemWith('mastodon', (m) => (m.admin.passwordReset.stdin = 'x'))).toBe('/admin/passwordReset/stdin must be absent: the tool makes up the new password itself');
  });

  it('mounts of undeclared volumes, volumes nobody mounts, and engine paths', () => {
    expect(problemWith('prosody', (m) => (m.services.prosody.volumes[0].volume = 'config'))).toBe('/services/prosody/volumes/0/volume names undeclared volume "config"');
    expect(problemWith('prosody', (m) => (m.volumes.logs = { backup: false }))).toBe('/volumes/logs is not mounted by any service');
    expect(problemWith('prosody', (m) => (m.services.prosody.volumes[0].target = '/var/run/docker.sock'))).toBe(
      '/services/prosody/volumes/0/target must not be /var/run/docker.sock',
    );
    expect(problemWith('prosody', (m) => (m.services.prosody.volumes[0].target = '/var/lib/../../run/docker.sock'))).toBe(
      '/services/prosody/volumes/0/target must not contain "." or ".." segments',
    );
  });

  it('a one-shot that would restart forever', () => {
    expect(problemWith('mastodon', (m) => (m.services['db-prepare'].restart = 'unless-stopped'))).toBe(
      '/services/db-prepare/restart must be "no" or "on-failure" for a one-shot service',
    );
  });
});

describe('loadTemplates', () => {
  it('refuses a folder that does not exist, and a template folder without a manifest', () => {
    expect(() => loadTemplates(join(scratch, 'nope'))).toThrow(ConfigurationError);
    mkdirSync(join(scratch, 'jitsi'));
    expect(() => loadTemplates(scratch)).toThrow(`${join(scratch, 'jitsi')}: has no manifest.yaml`);
  });

  it('ignores files next to the templates (plans.yaml)', () => {
    write('prosody', original('prosody'));
    writeFileSync(join(scratch, 'plans.yaml'), 'plans: []\n');
    expect([...loadTemplates(scratch).keys()]).toEqual(['prosody']);
  });
});
