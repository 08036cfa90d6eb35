import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { Ajv, ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { ConfigurationError } from '#platform';
import { MAX_TMPFS_BYTES, normalTarget, tmpfsTargetProblem } from '#runtime';
import { ADMIN_USERNAME } from '../render/render-input.js';
import { memoryBytes } from '../render/render-plan.js';
import { AppTemplate, HOOK_PHASES, HookSpec, SecretSpec, ServiceSpec, TmpfsSpec } from './app-template.js';
import { ExpressionError, variablesIn } from './expressions.js';
import { manifestSchema } from './manifest.schema.js';
import { DependencyCycleError, startOrder } from './start-order.js';

export const MANIFEST_FILE = 'manifest.yaml';

/** Variables every template may use besides secrets.<name> and services.<name>.host. */
export const INPUT_VARIABLES = [
  'tenant.id', 'tenant.slug', 'app', 'version', 'domains.primary', 'web.url',
  'admin.email', 'admin.username', 'admin.displayName', 'clubName',
] as const;

/** Mount targets that would hand a container the Docker engine. */
const FORBIDDEN_TARGETS = ['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/run', '/'];

const validateManifest = new Ajv({ allErrors: false }).compile(manifestSchema);

/** Loads every templates/<app>/manifest.yaml; the first broken one stops everything. */
export function loadTemplates(dir: string): Map<string, AppTemplate> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigurationError(`templates folder ${dir} does not exist`);
  const templates = new Map<string, AppTemplate>();
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue; // plans.yaml and other files live next to the templates
    const file = join(dir, entry.name, MANIFEST_FILE);
    if (!existsSync(file)) throw new ConfigurationError(`${shown(join(dir, entry.name))}: has no ${MANIFEST_FILE}`);
    const template = loadTemplateFile(file);
    templates.set(template.app, template);
  }
  return templates;
}

/** Reads, validates and cross-checks one manifest. Errors name the file and the field. */
export function loadTemplateFile(file: string): AppTemplate {
  const fail = (pointer: string, problem: string): never => {
    throw new ConfigurationError(`${shown(file)}: ${pointer || '/'} ${problem}`);
  };
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`${shown(file)}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!validateManifest(document)) {
    const [pointer, problem] = describeSchemaError(validateManifest.errors?.[0]);
    return fail(pointer, problem);
  }
  const template = normalise(document as RawManifest, file);
  crossCheck(template, fail);
  return template;
}

type RawHealthcheck = Partial<NonNullable<ServiceSpec['healthcheck']>> & { command: string[] };
type RawManifest = {
  app: string; name: string; description: string;
  versions: { version: string; default?: boolean; upgradeFrom?: string[]; images: Record<string, string> }[];
  secrets?: SecretSpec[];
  admin: Omit<AppTemplate['admin'], 'reservedUsernames'> & { reservedUsernames?: string[] };
  volumes?: AppTemplate['volumes'];
  services: Record<
    string,
    Omit<Partial<ServiceSpec>, 'healthcheck' | 'tmpfs'> &
      Pick<ServiceSpec, 'resources'> & { healthcheck?: RawHealthcheck; tmpfs?: (Omit<TmpfsSpec, 'mode'> & { mode?: string })[] }
  >;
  hooks?: Partial<Record<keyof AppTemplate['hooks'], (Omit<HookSpec, 'acceptExitCodes'> & { acceptExitCodes?: number[] })[]>>;
  web?: AppTemplate['web'];
  certificates?: AppTemplate['certificates'];
};

/** Fills in the defaults, so the rest of the code never sees an absent list. */
function normalise(raw: RawManifest, file: string): AppTemplate {
  const services: Record<string, ServiceSpec> = {};
  for (const [name, service] of Object.entries(raw.services)) {
    const oneShot = service.oneShot ?? false;
    services[name] = {
      ...service,
      capabilities: service.capabilities ?? [],
      // read-only unless the template says the app cannot work that way
      readOnlyRootFilesystem: service.readOnlyRootFilesystem ?? true,
      tmpfs: (service.tmpfs ?? []).map((mount) => ({ ...mount, mode: mount.mode ?? '1777' })),
      env: service.env ?? {},
      ports: service.ports ?? [],
      volumes: (service.volumes ?? []).map((mount) => ({ ...mount, readOnly: mount.readOnly ?? false })),
      healthcheck: service.healthcheck && {
        command: service.healthcheck.command,
        intervalSeconds: service.healthcheck.intervalSeconds ?? 30,
        timeoutSeconds: service.healthcheck.timeoutSeconds ?? 10,
        retries: service.healthcheck.retries ?? 3,
        startPeriodSeconds: service.healthcheck.startPeriodSeconds ?? 60,
      },
      restart: service.restart ?? (oneShot ? 'no' : 'unless-stopped'),
      oneShot,
      dependsOn: service.dependsOn ?? [],
    };
  }
  const hooks = {} as AppTemplate['hooks'];
  for (const phase of HOOK_PHASES) {
    hooks[phase] = (raw.hooks?.[phase] ?? []).map((hook) => ({ ...hook, acceptExitCodes: hook.acceptExitCodes ?? [] }));
  }
  const versions = raw.versions.map((version) => ({ ...version, default: version.default ?? false, upgradeFrom: version.upgradeFrom ?? [] }));
  return {
    app: raw.app,
    name: raw.name,
    description: raw.description,
    versions,
    defaultVersion: versions.find((version) => version.default)?.version ?? '',
    secrets: raw.secrets ?? [],
    admin: { ...raw.admin, reservedUsernames: raw.admin.reservedUsernames ?? [] },
    volumes: raw.volumes ?? {},
    services,
    hooks,
    web: raw.web ?? [],
    ...(raw.certificates ? { certificates: raw.certificates } : {}),
    file,
  };
}

function crossCheck(template: AppTemplate, fail: (pointer: string, problem: string) => never): void {
  const { services, volumes, secrets } = template;
  const folder = basename(dirname(template.file));
  if (template.app !== folder) fail('/app', `is "${template.app}" but the template's folder is "${folder}"`);

  // Versions: unique, exactly one default, an image for every service.
  const versionIds = new Set<string>();
  template.versions.forEach((version, index) => {
    if (versionIds.has(version.version)) fail(`/versions/${index}/version`, `"${version.version}" appears twice`);
    versionIds.add(version.version);
    for (const service of Object.keys(version.images)) {
      if (!services[service]) fail(`/versions/${index}/images/${service}`, 'names no service of this template');
    }
  });
  // Upgrades: only from a version listed before this one (the manifest lists oldest first), so
  // "newer" is the manifest's order and no upgrade path can go round in a circle.
  template.versions.forEach((version, index) => {
    version.upgradeFrom.forEach((from, position) => {
      const earlier = template.versions.findIndex((candidate) => candidate.version === from);
      if (earlier < 0) fail(`/versions/${index}/upgradeFrom/${position}`, `names no version of this template ("${from}")`);
      if (earlier >= index) fail(`/versions/${index}/upgradeFrom/${position}`, `"${from}" is listed after "${version.version}": list versions oldest first`);
    });
  });
  template.hooks.upgrade.forEach((hook, index) => {
    (hook.toVersions ?? []).forEach((to, position) => {
      if (!versionIds.has(to)) fail(`/hooks/upgrade/${index}/toVersions/${position}`, `names no version of this template ("${to}")`);
    });
  });
  const defaults = template.versions.filter((version) => version.default).length;
  if (defaults !== 1) fail('/versions', `must mark exactly one version "default: true" (found ${defaults})`);
  for (const [name, service] of Object.entries(services)) {
    for (const version of template.versions) {
      if (!version.images[name] && !service.image) {
        fail(`/services/${name}/image`, `is required: version "${version.version}" names no image for this service`);
      }
    }
  }

  // Secrets: unique names, public keys derived from a private key.
  const secretsByName = new Map<string, SecretSpec>();
  secrets.forEach((secret, index) => {
    if (secretsByName.has(secret.name)) fail(`/secrets/${index}/name`, `"${secret.name}" appears twice`);
    secretsByName.set(secret.name, secret);
  });
  secrets.forEach((secret, index) => {
    if (secret.kind === 'vapid-public-key' && secretsByName.get(secret.of)?.kind !== 'vapid-private-key') {
      fail(`/secrets/${index}/of`, `must name a vapid-private-key secret (got "${secret.of}")`);
    }
  });
  if (!secretsByName.has(template.admin.passwordSecret)) fail('/admin/passwordSecret', `names unknown secret "${template.admin.passwordSecret}"`);
  if (!ADMIN_USERNAME.test(template.admin.defaultUsername) || template.admin.reservedUsernames.includes(template.admin.defaultUsername)) {
    fail('/admin/defaultUsername', 'must be a valid, unreserved admin username');
  }

  // Services: dependencies exist and form no cycle; mounts name declared volumes.
  const mounted = new Set<string>();
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of service.dependsOn) {
      if (dependency === name) fail(`/services/${name}/dependsOn`, 'must not name the service itself');
      if (!services[dependency]) fail(`/services/${name}/dependsOn`, `names unknown service "${dependency}"`);
    }
    if (service.oneShot && service.restart === 'unless-stopped') fail(`/services/${name}/restart`, 'must be "no" or "on-failure" for a one-shot service');
    const targets = new Set<string>();
    let tmpfsBytes = 0;
    service.tmpfs.forEach((mount, index) => {
      const pointer = `/services/${name}/tmpfs/${index}`;
      const problem = tmpfsTargetProblem(mount.target);
      if (problem) fail(`${pointer}/target`, problem);
      const target = normalTarget(mount.target);
      if (targets.has(target)) fail(`${pointer}/target`, `mounts ${target} twice`);
      targets.add(target);
      const bytes = memoryBytes(mount.size);
      if (bytes > MAX_TMPFS_BYTES) fail(`${pointer}/size`, 'must be at most 1024Mi');
      tmpfsBytes += bytes;
    });
    if (tmpfsBytes > memoryBytes(service.resources.memory)) {
      fail(`/services/${name}/tmpfs`, `may hold more than the service's memory (${service.resources.memory}), which a tmpfs counts against`);
    }
    service.volumes.forEach((mount, index) => {
      const pointer = `/services/${name}/volumes/${index}`;
      if (!volumes[mount.volume]) fail(`${pointer}/volume`, `names undeclared volume "${mount.volume}"`);
      const target = mount.target.replace(/\/+$/, '') || '/';
      if (target.split('/').some((segment) => segment === '..' || segment === '.')) fail(`${pointer}/target`, 'must not contain "." or ".." segments');
      if (FORBIDDEN_TARGETS.includes(target)) fail(`${pointer}/target`, `must not be ${target}`);
      if (targets.has(target)) fail(`${pointer}/target`, `mounts ${target} twice`);
      targets.add(target);
      mounted.add(mount.volume);
    });
  }
  for (const volume of Object.keys(volumes)) {
    if (!mounted.has(volume)) fail(`/volumes/${volume}`, 'is not mounted by any service');
  }
  try {
    startOrder(services);
  } catch (error) {
    if (!(error instanceof DependencyCycleError)) throw error;
    fail(`/services/${error.cycle[0]}/dependsOn`, `forms a ${error.message}`);
  }

  // Web routes: a declared port of a long-running service; at most one catch-all route.
  const srvNames = new Set<string>();
  for (const [name, service] of Object.entries(services)) {
    service.ports.forEach((port, index) => {
      if (port.srv === undefined) return;
      if (!port.publish) fail(`/services/${name}/ports/${index}/srv`, 'needs "publish: true": an SRV record points at a host port');
      if (srvNames.has(port.srv)) fail(`/services/${name}/ports/${index}/srv`, `"${port.srv}" is advertised twice`);
      srvNames.add(port.srv);
    });
  }
  const routePaths = new Set<string>();
  template.web.forEach((route, index) => {
    const pointer = `/web/${index}`;
    const service = services[route.service];
    if (!service) return fail(`${pointer}/service`, `names unknown service "${route.service}"`);
    if (service.oneShot) fail(`${pointer}/service`, `"${route.service}" is a one-shot service`);
    const port = service.ports.find((candidate) => candidate.container === route.port && candidate.protocol === 'tcp');
    if (!port) fail(`${pointer}/port`, `is not a tcp port of service "${route.service}"`);
    if (port?.publish) fail(`${pointer}/port`, 'is published on the host: the edge reaches web ports over the tenant network, so set "publish: false"');
    for (const path of route.paths ?? ['*']) {
      if (path.split('/').some((segment) => segment === '..' || segment === '.')) fail(`${pointer}/paths`, 'must not contain "." or ".." segments');
      if (routePaths.has(path)) fail(`${pointer}/paths`, path === '*' ? 'only one route may take every path' : `"${path}" is routed twice`);
      routePaths.add(path);
    }
  });

  if (template.certificates) {
    const service = services[template.certificates.service];
    if (!service) fail('/certificates/service', `names unknown service "${template.certificates.service}"`);
    else if (service.oneShot) fail('/certificates/service', `"${template.certificates.service}" is a one-shot service; installing needs a running container`);
  }

  // Hooks: run in a long-running service; captured secrets come from exactly one first-start hook.
  const capturedBy = new Map<string, string>();
  for (const phase of HOOK_PHASES) {
    const names = new Set<string>();
    template.hooks[phase].forEach((hook, index) => {
      const pointer = `/hooks/${phase}/${index}`;
      if (names.has(hook.name)) fail(`${pointer}/name`, `"${hook.name}" appears twice in ${phase}`);
      names.add(hook.name);
      if (!services[hook.service]) fail(`${pointer}/service`, `names unknown service "${hook.service}"`);
      if (services[hook.service].oneShot) fail(`${pointer}/service`, `"${hook.service}" is a one-shot service; hooks need a running container`);
      if (hook.captureSecret) {
        const { name, pattern } = hook.captureSecret;
        if (phase !== 'firstStart') fail(`${pointer}/captureSecret`, 'is only allowed in firstStart hooks');
        if (secretsByName.get(name)?.kind !== 'captured') fail(`${pointer}/captureSecret/name`, `must name a secret of kind "captured" (got "${name}")`);
        if (capturedBy.has(name)) fail(`${pointer}/captureSecret/name`, `"${name}" is already captured by hook "${capturedBy.get(name)}"`);
        if (captureGroups(pattern) !== 1) fail(`${pointer}/captureSecret/pattern`, 'must be a regular expression with exactly one capture group');
        capturedBy.set(name, hook.name);
      }
      if (hook.recovery && !isRegExp(hook.recovery.whenOutputMatches)) fail(`${pointer}/recovery/whenOutputMatches`, 'must be a regular expression');
      if (hook.output && services[hook.service]) {
        // the file must land in a volume the hook's service writes and backups include
        const mount = services[hook.service].volumes.find((candidate) => candidate.volume === hook.output!.volume);
        if (!mount || mount.readOnly) fail(`${pointer}/output/volume`, `"${hook.output.volume}" is not a volume service "${hook.service}" mounts writable`);
        else if (!volumes[hook.output.volume]?.backup) fail(`${pointer}/output/volume`, `"${hook.output.volume}" is not backed up (volumes.${hook.output.volume}.backup)`);
        if (hook.output.path.split('/').some((part) => part === '.' || part === '..')) fail(`${pointer}/output/path`, 'must stay inside the volume');
      }
      if (hook.restore && !hook.output) fail(`${pointer}/restore`, 'needs output: the file it loads back');
    });
  }
  secrets.forEach((secret, index) => {
    if (secret.kind === 'captured' && !capturedBy.has(secret.name)) fail(`/secrets/${index}`, `"${secret.name}" is captured by no firstStart hook`);
  });

  // The admin password reset: in a running service; a generated password goes in on stdin, a captured one comes out of stdout.
  const reset = template.admin.passwordReset;
  if (reset) {
    const at = '/admin/passwordReset';
    if (!services[reset.service]) fail(`${at}/service`, `names unknown service "${reset.service}"`);
    if (services[reset.service].oneShot) fail(`${at}/service`, `"${reset.service}" is a one-shot service; a reset needs a running container`);
    const captured = secretsByName.get(template.admin.passwordSecret)?.kind === 'captured';
    if (captured) {
      if (reset.capturePassword === undefined) fail(`${at}/capturePassword`, `is required: "${template.admin.passwordSecret}" is captured, so the tool must print the new password`);
      if (reset.stdin !== undefined) fail(`${at}/stdin`, 'must be absent: the tool makes up the new password itself');
    } else {
      if (reset.capturePassword !== undefined) fail(`${at}/capturePassword`, `must be absent: "${template.admin.passwordSecret}" is generated, so the new password goes in on stdin`);
      if (!reset.stdin?.includes(`secrets.${template.admin.passwordSecret}`)) fail(`${at}/stdin`, `must pass the new password as {{ secrets.${template.admin.passwordSecret} }}`);
    }
    if (reset.capturePassword !== undefined && captureGroups(reset.capturePassword) !== 1) fail(`${at}/capturePassword`, 'must be a regular expression with exactly one capture group');
  }

  // Expressions: well-formed, known variables only. Captured secrets do not exist at render time.
  const known = new Set<string>(INPUT_VARIABLES);
  for (const secret of secrets) if (secret.kind !== 'captured') known.add(`secrets.${secret.name}`);
  for (const service of Object.keys(services)) known.add(`services.${service}.host`);
  for (const [pointer, text, commandLineOf] of templateStrings(template)) {
    let variables: string[] = [];
    try {
      variables = variablesIn(text);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      fail(pointer, error.message);
    }
    for (const variable of variables) {
      if (!known.has(variable)) fail(pointer, `uses unknown variable "${variable}" (known: ${[...known].join(', ')})`);
    }
    // Command lines are readable by every local user (ps, /proc/<pid>/cmdline, docker inspect):
    // a secret reaches a program only through env or a hook's stdin.
    const secret = variables.find((variable) => variable.startsWith('secrets.'));
    if (secret && commandLineOf) {
      const instead = commandLineOf.startsWith('hook') ? "the hook's stdin or env" : 'env';
      fail(pointer, `puts ${secret} on the command line of ${commandLineOf}, where every local user can read it; pass it through ${instead}`);
    }
  }
}

/**
 * Every field that may hold {{ }} expressions, with its JSON pointer and, for an argv
 * element, whose command line it ends up on.
 */
function* templateStrings(template: AppTemplate): Generator<[pointer: string, text: string, commandLineOf?: string]> {
  yield ['/admin/username', template.admin.username];
  yield ['/admin/loginUrl', template.admin.loginUrl];
  for (const [name, service] of Object.entries(template.services)) {
    const at = `/services/${name}`;
    const owner = `service "${name}"`;
    for (const [index, arg] of (service.entrypoint ?? []).entries()) yield [`${at}/entrypoint/${index}`, arg, owner];
    for (const [index, arg] of (service.command ?? []).entries()) yield [`${at}/command/${index}`, arg, owner];
    for (const [index, arg] of (service.healthcheck?.command ?? []).entries()) yield [`${at}/healthcheck/command/${index}`, arg, owner];
    for (const [key, value] of Object.entries(service.env)) yield [`${at}/env/${key}`, value];
  }
  const reset = template.admin.passwordReset;
  for (const [index, arg] of (reset?.argv ?? []).entries()) yield [`/admin/passwordReset/argv/${index}`, arg, 'the admin password reset'];
  if (reset?.stdin !== undefined) yield ['/admin/passwordReset/stdin', reset.stdin];
  for (const [index, hostName] of (template.certificates?.hostNames ?? []).entries()) yield [`/certificates/hostNames/${index}`, hostName];
  for (const [index, arg] of (template.certificates?.install ?? []).entries()) yield [`/certificates/install/${index}`, arg, 'the certificate install'];
  for (const phase of HOOK_PHASES) {
    for (const [index, hook] of template.hooks[phase].entries()) {
      const at = `/hooks/${phase}/${index}`;
      const owner = `hook "${hook.name}"`;
      for (const [position, arg] of hook.argv.entries()) yield [`${at}/argv/${position}`, arg, owner];
      for (const [position, arg] of (hook.recovery?.argv ?? []).entries()) yield [`${at}/recovery/argv/${position}`, arg, owner];
      for (const [position, arg] of (hook.restore?.argv ?? []).entries()) yield [`${at}/restore/argv/${position}`, arg, owner];
      if (hook.stdin !== undefined) yield [`${at}/stdin`, hook.stdin];
      if (hook.recovery?.stdin !== undefined) yield [`${at}/recovery/stdin`, hook.recovery.stdin];
      for (const [key, value] of Object.entries(hook.env ?? {})) yield [`${at}/env/${key}`, value];
    }
  }
}

function captureGroups(pattern: string): number {
  try {
    // An alternation with the empty pattern matches "", so exec() reports every group.
    return new RegExp(`${pattern}|`).exec('')!.length - 1;
  } catch {
    return -1;
  }
}

function describeSchemaError(error: ErrorObject | undefined): [string, string] {
  if (!error) return ['', 'is invalid'];
  const at = error.instancePath;
  if (error.propertyName !== undefined) return [`${at}/${error.propertyName}`, `is not an allowed name (${error.message ?? 'invalid'})`];
  switch (error.keyword) {
    case 'required':
      return [`${at}/${(error.params as { missingProperty: string }).missingProperty}`, 'is required'];
    case 'additionalProperties':
      return [`${at}/${(error.params as { additionalProperty: string }).additionalProperty}`, 'is not a known field'];
    case 'not': // the secrets' kind rules: e.g. a length on a key pair
      return [at, 'has a field its kind does not allow'];
    case 'enum':
      return [at, `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`];
    default:
      return [at, error.message ?? 'is invalid'];
  }
}

/** Paths in messages: relative to the working directory when inside it, as people type them. */
function shown(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
