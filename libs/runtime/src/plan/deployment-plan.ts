/**
 * What should exist on a Docker host for one app of one tenant, with every field
 * resolved: the output of the catalog's renderer, the input of ContainerRuntime.apply.
 * Plain data (JSON-serialisable), so it can be hashed, compared and stored.
 */
export interface DeploymentPlan {
  tenant: { id: string; slug: string };
  app: string;
  version: string;
  /** sha256 (hex) of the canonical JSON of everything below except `hash`; also a label on every object. */
  hash: string;
  /** The tenant's private bridge network; one per tenant, shared by its apps. */
  network: PlannedNetwork;
  volumes: PlannedVolume[];
  /** In start order: a container comes after the services it depends on. */
  containers: PlannedContainer[];
  hooks: {
    /** Once, after the first healthy start: create the club's admin account. */
    firstStart: PlannedHook[];
    /** Before a backup: dump databases to a file inside a volume. */
    backup: PlannedHook[];
    /** After containers of a new version are up: run migrations. */
    upgrade: PlannedHook[];
  };
}

export interface PlannedNetwork {
  name: string;
  labels: Record<string, string>;
  /**
   * No route out (Docker's internal network): the containers reach only each other. For
   * scratch copies such as restore drills, which must never talk to the world as the club.
   */
  internal?: boolean;
}

export interface PlannedVolume {
  /** Template-local name, e.g. "data". */
  key: string;
  /** Docker name, e.g. alm-gardeners-prosody-data. */
  name: string;
  labels: Record<string, string>;
  /** Included in backups and exports. */
  backup: boolean;
}

export interface PlannedPort {
  container: number;
  protocol: 'tcp' | 'udp';
  /** Published on the host: on `hostIp` (default: the runtime's publish address) and `hostPort` (default: one Docker picks); recorded after apply. */
  publish: boolean;
  /** A fixed host port, e.g. one advertised in DNS (XMPP's SRV records); absent: Docker picks one. */
  hostPort?: number;
  /** The host address to bind to, e.g. the Docker host's public address; absent: the runtime's publish address. */
  hostIp?: string;
}

export interface PlannedHealthcheck {
  /** Docker's form: ["CMD", "prosodyctl", "status"] or ["CMD-SHELL", ...] is never produced from user input. */
  test: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

/** A size-limited in-memory filesystem: where a container with a read-only root may write (pid files, sockets, uploads in flight). */
export interface PlannedTmpfs {
  /** Absolute path inside the container. */
  target: string;
  /** Hard limit; what is stored counts against the container's memory limit. */
  sizeBytes: number;
  /**
   * Octal permission bits, e.g. "1777". runc keeps the mode of a directory the image already
   * has at `target`, so images ship such directories with the mode the service needs.
   */
  mode: string;
  /** Owner of the mount's root, for images whose directory belongs to a fixed uid (upstream Mastodon: 991). */
  uid?: number;
  gid?: number;
}

export interface PlannedContainer {
  /** Service name in the template: web, db, streaming... Its DNS alias on the tenant network is `<app>-<service>`. */
  service: string;
  /** Docker name, e.g. alm-gardeners-wordpress-db. */
  name: string;
  image: string;
  entrypoint?: string[];
  command?: string[];
  /** The user the main process runs as (Docker's --user); absent: the image's own USER. */
  user?: string;
  /**
   * Linux capabilities added back after every capability is dropped (the container is always
   * created with CapDrop ALL); only names from ADDABLE_CAPABILITIES.
   */
  capabilities: string[];
  /** The image's files are read-only; writes go to volumes and `tmpfs` only. */
  readOnlyRootFilesystem: boolean;
  tmpfs: PlannedTmpfs[];
  workingDir?: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  mounts: { volume: string; target: string; readOnly: boolean }[];
  ports: PlannedPort[];
  healthcheck?: PlannedHealthcheck;
  resources: { memoryBytes: number; nanoCpus: number; pidsLimit: number };
  restartPolicy: 'unless-stopped' | 'on-failure' | 'no';
  /** Signal for `docker stop`, e.g. SIGINT for Postgres' fast shutdown (docker import cannot bake it into an image). */
  stopSignal?: string;
  /** A one-shot task (e.g. Mastodon's db:prepare): runs to exit code 0 before dependents start. */
  oneShot: boolean;
  /** Services that must be healthy (or, for one-shots, completed) before this one starts. */
  dependsOn: string[];
}

export interface PlannedHook {
  name: string;
  /** Which container runs it (docker exec). */
  service: string;
  /** argv, never a shell string; never holds a secret (the process list shows it to every local user). */
  argv: string[];
  /** Written to the hook's standard input, which is then closed: how a secret reaches it. */
  stdin?: string;
  env?: Record<string, string>;
  user?: string;
  timeoutSeconds: number;
  /** Exit codes that count as success besides 0 (e.g. "already exists" on a re-run). */
  acceptExitCodes: number[];
  /**
   * For a hook that fails when re-run after a crash because its work is done: when the
   * failed output matches, run `argv` instead (e.g. reset a password that was printed once).
   */
  recovery?: { whenOutputMatches: string; argv: string[]; stdin?: string };
  /** Backup hooks: the file the hook writes, in the plan's volume with key `volume`, at `path` inside it. */
  output?: { volume: string; path: string };
  /** Backup hooks: loads `output` back into the running app after a restore (same service). */
  restore?: PlannedHook;
}

/** Labels every Docker object Allmende creates carries; ownership is proven by them. */
export const LABELS = {
  managed: 'allmende.managed',
  tenant: 'allmende.tenant',
  tenantSlug: 'allmende.tenant-slug',
  app: 'allmende.app',
  service: 'allmende.service',
  planHash: 'allmende.plan-hash',
  /** On containers: hash of the container's own create request; apply recreates a container only when it differs. */
  specHash: 'allmende.spec-hash',
  role: 'allmende.role',
} as const;
