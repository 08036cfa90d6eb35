import type { AlphabetName } from '#platform';

/**
 * An app template as loaded from templates/<app>/manifest.yaml: validated data, not yet
 * rendered. String fields marked "template string" may contain `{{ variable.path }}`
 * expressions (see expressions.ts); every other field is used as written.
 */
export interface AppTemplate {
  /** App id, also the template's folder name: prosody, wordpress, mastodon. */
  app: string;
  name: string;
  description: string;
  /** In the manifest's order; exactly one is the default. */
  versions: TemplateVersion[];
  defaultVersion: string;
  secrets: SecretSpec[];
  admin: AdminSpec;
  /** Volume key -> spec, in the manifest's order. */
  volumes: Record<string, VolumeSpec>;
  /** Service name -> spec, in the manifest's order. */
  services: Record<string, ServiceSpec>;
  hooks: { firstStart: HookSpec[]; backup: HookSpec[]; upgrade: HookSpec[] };
  /** What the edge proxy forwards to over the tenant's network (no host port); empty: no web interface. */
  web: WebRouteSpec[];
  /** Certificates the app presents itself (from the edge), and how to install them; absent: the edge alone speaks TLS. */
  certificates?: CertificatesSpec;
  /** Where the template was loaded from, for messages. */
  file: string;
}

export interface TemplateVersion {
  version: string;
  default: boolean;
  /** The versions a tenant may upgrade from straight into this one (no skipping a required step). */
  upgradeFrom: string[];
  /** Service name -> image reference; overrides the service's own `image`. */
  images: Record<string, string>;
}

export type SecretSpec =
  | { name: string; kind: 'random'; length: number; alphabet: AlphabetName }
  /** Web Push (VAPID) EC P-256 private key: 32 raw bytes, base64url without padding. */
  | { name: string; kind: 'vapid-private-key' }
  /** The matching public key (65-byte uncompressed point, base64url), derived from `of`. */
  | { name: string; kind: 'vapid-public-key'; of: string }
  /** Not generated: read from a first-start hook's output (see HookSpec.captureSecret). */
  | { name: string; kind: 'captured' };

export interface AdminSpec {
  /** Used when the order does not name the admin. */
  defaultUsername: string;
  /** Usernames the app refuses for a new account (Mastodon reserves admin, root...). */
  reservedUsernames: string[];
  /** Template string: what the person types at login (a JID, a user name, an email). */
  username: string;
  /** Template string. */
  loginUrl: string;
  /** The secret holding the admin's password (generated, or captured from a hook). */
  passwordSecret: string;
  /** How the club's owner gets a new admin password from the dashboard; absent: the app cannot. */
  passwordReset?: AdminPasswordResetSpec;
}

/**
 * Sets a new admin password with the app's own tool (docker exec, argv form). A generated
 * password reaches it on stdin as {{ secrets.<passwordSecret> }} (never argv); an app that makes
 * the new password up itself prints it, and `capturePassword` finds it in stdout.
 */
export interface AdminPasswordResetSpec {
  service: string;
  user?: string;
  /** Template strings; may not use secrets: every local user can read a command line. */
  argv: string[];
  /** Template string written as one line to stdin. */
  stdin?: string;
  timeoutSeconds: number;
  /** A regular expression with exactly one capture group, for apps that print the new password. */
  capturePassword?: string;
}

export interface VolumeSpec {
  /** Included in backups and exports. */
  backup: boolean;
}

export interface ServiceSpec {
  /** Used when the version does not name an image for this service. */
  image?: string;
  /** Template strings. */
  entrypoint?: string[];
  /** Template strings. */
  command?: string[];
  /** Run as this user (Docker's --user); absent: the image's USER. Prefer the image's unprivileged user. */
  user?: string;
  /** Added back after every capability is dropped; names from ADDABLE_CAPABILITIES (#runtime). Default none. */
  capabilities: string[];
  /** Default true: the service writes only to its volumes and `tmpfs`. */
  readOnlyRootFilesystem: boolean;
  tmpfs: TmpfsSpec[];
  workingDir?: string;
  /** Values are template strings. */
  env: Record<string, string>;
  /** publish: a host port of its own (fixed per tenant, e.g. XMPP); `srv` names the DNS SRV service that advertises it. */
  ports: { container: number; protocol: 'tcp' | 'udp'; publish: boolean; srv?: string }[];
  volumes: { volume: string; target: string; readOnly: boolean }[];
  healthcheck?: {
    /** Template strings; run without a shell (Docker's CMD form). */
    command: string[];
    intervalSeconds: number;
    timeoutSeconds: number;
    retries: number;
    startPeriodSeconds: number;
  };
  resources: {
    /** e.g. 512Mi, 1Gi */
    memory: string;
    cpus: number;
    pids: number;
  };
  restart: 'unless-stopped' | 'on-failure' | 'no';
  oneShot: boolean;
  dependsOn: string[];
}

/** One web route: requests for `paths` ("/exact" or "/prefix*"; none: every other path) go to `service`:`port`. */
export interface WebRouteSpec {
  service: string;
  port: number;
  paths?: string[];
}

export interface CertificatesSpec {
  service: string;
  user?: string;
  /** Template strings: the host names, e.g. the XMPP domain and its group chat component. */
  hostNames: string[];
  /** argv of the install command; the host name is appended, certificate chain and key (PEM) come on stdin. */
  install: string[];
}

export interface TmpfsSpec {
  target: string;
  /** e.g. 16Mi; counts against the service's memory. */
  size: string;
  /** Octal, default 1777 (like /tmp). An image directory already at `target` keeps its own mode. */
  mode: string;
  /** Owner of the mount's root, for images whose directory belongs to a fixed uid. */
  uid?: number;
  gid?: number;
}

export interface HookSpec {
  name: string;
  service: string;
  /** Template strings; may not use secrets: every local user can read a command line. */
  argv: string[];
  /** Template string written as one line to the hook's stdin: how a secret reaches it. */
  stdin?: string;
  /** Values are template strings. */
  env?: Record<string, string>;
  user?: string;
  timeoutSeconds: number;
  acceptExitCodes: number[];
  /**
   * The hook prints a secret the control plane must keep, e.g. tootctl's
   * "New password: X". `pattern` has exactly one capture group, matched against stdout.
   */
  captureSecret?: { name: string; pattern: string };
  /** When a re-run fails because the work is done (output matches), run `argv` (template strings, no secrets) with `stdin` instead. */
  recovery?: { whenOutputMatches: string; argv: string[]; stdin?: string };
  /**
   * Backup hooks: the file the hook writes, in one of the service's backed-up volumes (`volume`
   * is the volume's key, `path` relative to it). A backup whose file is missing or empty fails.
   */
  output?: { volume: string; path: string };
  /** Upgrade hooks: run only on upgrades into these versions (absent: every upgrade). */
  toVersions?: string[];
  /** Backup hooks: loads `output` back into the running app after its volumes were restored. */
  restore?: { argv: string[]; timeoutSeconds: number; user?: string };
}

export type HookPhase = keyof AppTemplate['hooks'];
export const HOOK_PHASES: readonly HookPhase[] = ['firstStart', 'backup', 'upgrade'];
