import { inputProblem, problem, ValidationFailedError } from '#platform';
import type { CatalogProblemCode } from '../problems.js';
import { DeploymentPlan, LABELS, PlannedContainer, PlannedHook, PlannedVolume } from '#runtime';
import type { AppTemplate, HookSpec, ServiceSpec, TemplateVersion } from '../templates/app-template.js';
import { substitute } from '../templates/expressions.js';
import { startOrder } from '../templates/start-order.js';
import { planHash } from './plan-hash.js';
import { CheckedInput, checkRenderInput, domainProblem, publishedPortKey, RenderInput } from './render-input.js';

export interface RenderPlanInput extends RenderInput {
  manifest: AppTemplate;
}

/** How the club's admin logs in, rendered from the template's `admin` section. */
export interface AdminAccess {
  username: string;
  loginUrl: string;
  /** Name of the secret that holds the password. */
  passwordSecret: string;
  /** Set when the app prints the password during its first start (Mastodon's tootctl). */
  capturedBy?: { hook: string; pattern: string };
}

/** Docker names; every name starts with alm-<slug> so one tenant's objects are easy to find. */
export const tenantNetworkName = (slug: string): string => `alm-${slug}`;
export const containerName = (slug: string, app: string, service: string): string => `alm-${slug}-${app}-${service}`;
export const volumeName = (slug: string, app: string, volume: string): string => `alm-${slug}-${app}-${volume}`;
/** Apps of one tenant share its network, so a service's DNS name includes the app. */
export const networkAlias = (app: string, service: string): string => `${app}-${service}`;

/**
 * Turns a template into a DeploymentPlan. Pure: the same input gives the same plan and
 * hash. Outside values are checked first (ValidationFailedError naming the field), then
 * placed into individual argv elements, env values and labels; nothing is ever
 * assembled into shell, YAML, Lua or PHP text.
 */
export function renderDeploymentPlan(input: RenderPlanInput): DeploymentPlan {
  const { manifest: template } = input;
  const { version, checked, variables } = prepare(input);
  const { slug, tenantId } = checked;

  const tenantLabels = { [LABELS.managed]: 'true', [LABELS.tenant]: tenantId, [LABELS.tenantSlug]: slug };
  const appLabels = { ...tenantLabels, [LABELS.app]: template.app };

  const volumes: PlannedVolume[] = Object.entries(template.volumes).map(([key, volume]) => ({
    key,
    name: volumeName(slug, template.app, key),
    labels: { ...appLabels },
    backup: volume.backup,
  }));

  const containers = startOrder(template.services).map((service) =>
    renderContainer(service, template.services[service], {
      template, version, checked, variables, labels: { ...appLabels, [LABELS.service]: service },
    }),
  );

  const renderHooks = (hooks: HookSpec[]): PlannedHook[] => hooks.map((hook) => renderHook(hook, variables));
  const unhashed: Omit<DeploymentPlan, 'hash'> = {
    tenant: { id: tenantId, slug },
    app: template.app,
    version: version.version,
    network: { name: tenantNetworkName(slug), labels: tenantLabels },
    volumes,
    containers,
    hooks: {
      firstStart: renderHooks(template.hooks.firstStart),
      backup: renderHooks(template.hooks.backup),
      // the hooks an upgrade into this version runs (a data migration one release needs)
      upgrade: renderHooks(template.hooks.upgrade.filter((hook) => !hook.toVersions || hook.toVersions.includes(version.version))),
    },
  };
  const hash = planHash(unhashed);
  for (const container of containers) container.labels[LABELS.planHash] = hash;
  return { ...unhashed, hash };
}

/** A route of the edge proxy to one of the app's containers, by its Docker name (unique on the host). */
export interface WebRoute {
  container: string;
  port: number;
  /** "/exact" or "/prefix*"; absent: every path no other route takes. */
  paths?: string[];
}

/** Where the edge proxy sends the tenant's web requests for this app (the template's `web` section). */
export function renderWebRoutes(input: RenderPlanInput): WebRoute[] {
  const { checked } = prepare(input);
  return input.manifest.web.map((route) => ({
    container: containerName(checked.slug, input.manifest.app, route.service),
    port: route.port,
    ...(route.paths ? { paths: [...route.paths] } : {}),
  }));
}

/** A port the template publishes on the host (a fixed one per tenant), and the SRV service that advertises it. */
export interface PublishedPortSpec {
  service: string;
  container: number;
  protocol: 'tcp' | 'udp';
  /** The key of its host port in RenderInput.published.ports. */
  key: string;
  srv?: string;
}

export function publishedPortsOf(template: AppTemplate): PublishedPortSpec[] {
  return Object.entries(template.services).flatMap(([service, spec]) =>
    spec.ports
      .filter((port) => port.publish)
      .map((port) => ({ service, container: port.container, protocol: port.protocol, key: publishedPortKey(service, port.container, port.protocol), ...(port.srv ? { srv: port.srv } : {}) })),
  );
}

/** One certificate the app presents itself: the edge's certificate for `hostName`, installed by `hook` (certificate and key as its stdin). */
export interface CertificateInstall {
  hostName: string;
  hook: PlannedHook;
}

/** The certificates the app needs from the edge (the template's `certificates` section); none for most apps. */
export function renderCertificateInstalls(input: RenderPlanInput): CertificateInstall[] {
  const spec = input.manifest.certificates;
  if (!spec) return [];
  const { variables } = prepare(input);
  return [...new Set(spec.hostNames.map((name) => substitute(name, variables)))].map((hostName) => {
    if (domainProblem(hostName)) throw ValidationFailedError.field('certificates.hostNames', inputProblem(`"${hostName.slice(0, 80)}" ${domainProblem(hostName)}`));
    return {
      hostName,
      hook: {
        name: `install-certificate-${hostName}`.slice(0, 100),
        service: spec.service,
        argv: [...spec.install.map((arg) => substitute(arg, variables)), hostName],
        timeoutSeconds: 60,
        acceptExitCodes: [],
        ...(spec.user ? { user: spec.user } : {}),
      },
    };
  });
}

/** The admin's login details for the same input as renderDeploymentPlan. */
export function renderAdminAccess(input: RenderPlanInput): AdminAccess {
  const { manifest: template } = input;
  const { variables } = prepare(input);
  const { username, loginUrl, passwordSecret } = template.admin;
  const capturing = template.hooks.firstStart.find((hook) => hook.captureSecret?.name === passwordSecret);
  return {
    username: substitute(username, variables),
    loginUrl: substitute(loginUrl, variables),
    passwordSecret,
    ...(capturing?.captureSecret && { capturedBy: { hook: capturing.name, pattern: capturing.captureSecret.pattern } }),
  };
}

/** The app's own way to set a new admin password: a hook with the new password on stdin, or one that prints it. */
export interface AdminPasswordReset {
  hook: PlannedHook;
  /** Set when the tool makes up the password and prints it: one capture group, matched against stdout. */
  capturePattern?: string;
}

/**
 * The template's admin password reset for the same input as renderDeploymentPlan, with the new
 * password as the input's secret (`admin.passwordSecret`); null when the app has none.
 */
export function renderAdminPasswordReset(input: RenderPlanInput): AdminPasswordReset | null {
  const spec = input.manifest.admin.passwordReset;
  if (!spec) return null;
  const { variables } = prepare(input);
  const hook: PlannedHook = {
    name: 'reset-admin-password',
    service: spec.service,
    argv: spec.argv.map((arg) => substitute(arg, variables)),
    timeoutSeconds: spec.timeoutSeconds,
    acceptExitCodes: [],
  };
  // one line, as for the first-start hooks: what a program reading a password from a pipe expects
  if (spec.stdin !== undefined) hook.stdin = `${substitute(spec.stdin, variables)}\n`;
  if (spec.user) hook.user = spec.user;
  return { hook, ...(spec.capturePassword !== undefined ? { capturePattern: spec.capturePassword } : {}) };
}

/** Resolves the version and checks every outside value before any of them is used. */
function prepare(input: RenderPlanInput): { version: TemplateVersion; checked: CheckedInput; variables: Map<string, string> } {
  const { manifest: template } = input;
  const version = template.versions.find((candidate) => candidate.version === input.version);
  if (!version) throw ValidationFailedError.field('version', problem<CatalogProblemCode>('version.unknown', { app: template.app, version: String(input.version).slice(0, 40), offered: template.versions.map((v) => v.version).join(', ') }));
  const generated = template.secrets.filter((secret) => secret.kind !== 'captured').map((secret) => secret.name);
  const checked = checkRenderInput(input, {
    defaultUsername: template.admin.defaultUsername,
    reservedUsernames: template.admin.reservedUsernames,
    secretNames: generated,
  });

  const variables = new Map<string, string>([
    ['tenant.id', checked.tenantId],
    ['tenant.slug', checked.slug],
    ['app', template.app],
    ['version', version.version],
    ['domains.primary', checked.primaryDomain],
    ['web.url', checked.webUrl],
    ['admin.email', checked.adminEmail],
    ['admin.username', checked.adminUsername],
    ['admin.displayName', checked.adminDisplayName],
    ['clubName', checked.clubName],
  ]);
  for (const name of generated) variables.set(`secrets.${name}`, input.secrets[name]);
  for (const service of Object.keys(template.services)) variables.set(`services.${service}.host`, networkAlias(template.app, service));
  return { version, checked, variables };
}

function renderContainer(
  service: string,
  spec: ServiceSpec,
  context: { template: AppTemplate; version: TemplateVersion; checked: CheckedInput; variables: Map<string, string>; labels: Record<string, string> },
): PlannedContainer {
  const { template, version, checked, variables, labels } = context;
  const image = version.images[service] ?? spec.image!; // the loader guarantees one of them
  const fill = (argv: string[]) => argv.map((arg) => substitute(arg, variables));
  const container: PlannedContainer = {
    service,
    name: containerName(checked.slug, template.app, service),
    image: checked.imageOverrides[image] ?? image,
    env: Object.fromEntries(Object.entries(spec.env).map(([key, value]) => [key, substitute(value, variables)])),
    labels,
    mounts: spec.volumes.map((mount) => ({
      volume: volumeName(checked.slug, template.app, mount.volume),
      target: mount.target,
      readOnly: mount.readOnly,
    })),
    capabilities: [...spec.capabilities],
    readOnlyRootFilesystem: spec.readOnlyRootFilesystem,
    tmpfs: spec.tmpfs.map((mount) => ({
      target: mount.target,
      sizeBytes: memoryBytes(mount.size),
      mode: mount.mode,
      ...(mount.uid !== undefined ? { uid: mount.uid } : {}),
      ...(mount.gid !== undefined ? { gid: mount.gid } : {}),
    })),
    ports: spec.ports.map((port) => {
      const hostPort = port.publish ? checked.published.ports[publishedPortKey(service, port.container, port.protocol)] : undefined;
      const hostIp = port.publish ? checked.published.hostIp : undefined;
      return { container: port.container, protocol: port.protocol, publish: port.publish, ...(hostPort ? { hostPort } : {}), ...(hostIp ? { hostIp } : {}) };
    }),
    resources: {
      memoryBytes: memoryBytes(spec.resources.memory),
      nanoCpus: Math.round(spec.resources.cpus * 1e9),
      pidsLimit: spec.resources.pids,
    },
    restartPolicy: spec.restart,
    oneShot: spec.oneShot,
    dependsOn: [...spec.dependsOn],
  };
  if (spec.entrypoint) container.entrypoint = fill(spec.entrypoint);
  if (spec.command) container.command = fill(spec.command);
  if (spec.user) container.user = spec.user;
  if (spec.workingDir) container.workingDir = spec.workingDir;
  if (spec.healthcheck) {
    const { command, intervalSeconds, timeoutSeconds, retries, startPeriodSeconds } = spec.healthcheck;
    container.healthcheck = { test: ['CMD', ...fill(command)], intervalSeconds, timeoutSeconds, retries, startPeriodSeconds };
  }
  return container;
}

function renderHook(hook: HookSpec, variables: Map<string, string>): PlannedHook {
  const planned: PlannedHook = {
    name: hook.name,
    service: hook.service,
    argv: hook.argv.map((arg) => substitute(arg, variables)),
    timeoutSeconds: hook.timeoutSeconds,
    acceptExitCodes: [...hook.acceptExitCodes],
  };
  // one line: what programs that read a password from a terminal or a pipe expect
  const line = (text: string) => `${substitute(text, variables)}\n`;
  if (hook.stdin !== undefined) planned.stdin = line(hook.stdin);
  if (hook.env) planned.env = Object.fromEntries(Object.entries(hook.env).map(([key, value]) => [key, substitute(value, variables)]));
  if (hook.user) planned.user = hook.user;
  if (hook.recovery) {
    planned.recovery = { whenOutputMatches: hook.recovery.whenOutputMatches, argv: hook.recovery.argv.map((arg) => substitute(arg, variables)) };
    if (hook.recovery.stdin !== undefined) planned.recovery.stdin = line(hook.recovery.stdin);
  }
  if (hook.output) planned.output = { volume: hook.output.volume, path: hook.output.path };
  if (hook.restore) {
    planned.restore = {
      name: `${hook.name}-restore`,
      service: hook.service,
      argv: hook.restore.argv.map((arg) => substitute(arg, variables)),
      timeoutSeconds: hook.restore.timeoutSeconds,
      acceptExitCodes: [],
      ...(hook.restore.user ? { user: hook.restore.user } : {}),
    };
  }
  return planned;
}

/** "512Mi" -> bytes; the schema allows only Mi and Gi. */
export function memoryBytes(memory: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!match) throw new Error(`invalid memory size ${memory}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
}
