import type { Readable, Writable } from 'node:stream';
import type { ContainerLimits, Drift } from './plan/deployment-diff.js';
import type { DeploymentPlan, PlannedHook } from './plan/deployment-plan.js';
import type { EnsuredSystemContainer, SystemContainerRef, SystemContainerSpec, SystemContainerState } from './plan/system-container.js';
import type { TaskCleanupFilter, TaskRequest, TaskResult } from './task.js';

/** How to reach one Docker Engine. */
export interface EngineEndpoint {
  readonly name: string;
  readonly endpoint: string;
}

export interface EngineStatus {
  readonly reachable: boolean;
  readonly version?: string;
  readonly error?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecRequest {
  env?: Record<string, string>;
  user?: string;
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  /** Keep at most this much of stdout and of stderr (default 1 MiB; the tail is kept). */
  maxOutputBytes?: number;
}

export interface PublishedPort {
  service: string;
  container: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

export interface AppliedDeployment {
  /** service -> container id */
  containers: Record<string, string>;
  ports: PublishedPort[];
}

/** What an apply step did, for progress a person can follow. */
export interface ApplyProgress {
  step: 'network' | 'volumes' | 'containers' | 'start' | 'health';
  message: string;
}

export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  app: string;
  planHash: string | null;
  state: string; // running, exited, created, restarting...
  health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  /** allmende.role: service, one-shot or volume-helper. */
  role: string;
  /** Restarts by the engine's restart policy since the container was created. */
  restartCount: number;
  /** The last exit was the kernel's OOM killer: the container needed more than its memory limit. */
  oomKilled: boolean;
  exitCode: number | null;
  /** When the engine last started it (ISO time), null if never. */
  startedAt: string | null;
  /** The limits in force now (the engine's HostConfig, whatever the labels say). */
  limits: ContainerLimits;
}

export interface ObservedTenant {
  containers: ObservedContainer[];
  volumes: { name: string; app: string | null }[];
  networks: { name: string }[];
}

/** What readArchives looks at: a never-started container of an app's image with the tenant's volumes. */
export interface ArchiveSource {
  tenant: { id: string; slug?: string };
  /** The app's own image: paths outside the volumes (e.g. symlink targets into the image) read as the app sees them. */
  image: string;
  /** Volumes labelled for the tenant, mounted read-only where the app mounts them. */
  volumes: { volume: string; target: string }[];
}

/** Opens a tar of one absolute path inside the archive source (entries named after the path's last part). */
export type OpenArchive = (path: string) => Promise<Readable>;

export interface RemovalReport {
  containers: string[];
  volumes: string[];
  networks: string[];
}

/**
 * The port to Docker hosts. Services depend on this abstract class; the dockerode
 * adapter implements it, logic tests use typed fakes, integration tests the real engine.
 * Every method only touches objects whose labels prove Allmende owns them.
 */
export abstract class ContainerRuntime {
  abstract ping(engine: EngineEndpoint, timeoutMs?: number): Promise<EngineStatus>;

  /** Whether every image the plan uses is present on the engine (no registry pulls here). */
  abstract missingImages(engine: EngineEndpoint, plan: DeploymentPlan): Promise<string[]>;

  /**
   * Makes the engine match the plan, idempotently: ensures the network and volumes,
   * creates missing containers, recreates ones whose plan-hash label differs, starts them
   * in dependency order (one-shots run to completion) and waits until all are healthy.
   * Safe to call again after a crash at any point.
   */
  abstract apply(engine: EngineEndpoint, plan: DeploymentPlan, onProgress?: (progress: ApplyProgress) => void, healthTimeoutMs?: number): Promise<AppliedDeployment>;

  /**
   * Runs a hook with docker exec (argv form; `hook.stdin` is written to its stdin, which is how
   * a secret reaches it). Exit codes in hook.acceptExitCodes count as success.
   */
  abstract runHook(engine: EngineEndpoint, plan: DeploymentPlan, hook: PlannedHook): Promise<ExecResult>;

  /** docker exec in a labelled container (argv form). Secrets go through `stdin` or `env`, never argv. */
  abstract exec(engine: EngineEndpoint, containerName: string, argv: string[], options?: ExecRequest): Promise<ExecResult>;

  /** Everything labelled for this tenant. */
  abstract observe(engine: EngineEndpoint, tenantId: string): Promise<ObservedTenant>;

  /** Compares what runs with the plan (the pure diffDeployment over what the engine reports). */
  abstract drift(engine: EngineEndpoint, plan: DeploymentPlan): Promise<Drift>;

  /** Stops (keeps) the tenant's containers, e.g. on suspension; app limits it to one app. */
  abstract stop(engine: EngineEndpoint, tenantId: string, app?: string): Promise<string[]>;

  /**
   * Removes the tenant's volume helper containers (exports create them for a moment): any that
   * exist while no export of the tenant runs were left by a worker that died during one.
   */
  abstract removeVolumeHelpers(engine: EngineEndpoint, tenantId: string): Promise<string[]>;

  /**
   * Ensures the plan's network and volumes, and nothing else: where a restore writes before the
   * app first starts. New volumes are seeded from the image as a first start would (owner and
   * mode of the mount point). Same ownership rules as apply.
   */
  abstract prepareStorage(engine: EngineEndpoint, plan: DeploymentPlan): Promise<void>;

  /**
   * Reads tars of paths as a never-started helper container of `source.image` sees them, with the
   * tenant's labelled volumes mounted read-only (no network, no process runs); `read` opens them
   * one at a time. The helper is always removed afterwards.
   */
  abstract readArchives(engine: EngineEndpoint, source: ArchiveSource, read: (open: OpenArchive) => Promise<void>): Promise<void>;

  /** Streams a tar of a labelled volume of this tenant (read-only helper container). */
  abstract exportVolume(engine: EngineEndpoint, tenantId: string, volumeName: string, into: Writable): Promise<void>;

  /**
   * Removes only objects labelled allmende.managed=true and allmende.tenant=<tenantId>
   * (app limits it to one app). Volumes only when asked: data is deleted on purpose, never by accident.
   */
  abstract remove(engine: EngineEndpoint, tenantId: string, options: { app?: string; volumes: boolean }): Promise<RemovalReport>;

  // ---- system containers: run for the host itself (the edge proxy), labelled allmende.managed=true
  // and allmende.role=<role>, never carrying a tenant label; see plan/system-container.ts ----

  /** Creates, replaces (spec changed) or starts it, with its own network and labelled volumes. Idempotent. */
  abstract ensureSystemContainer(engine: EngineEndpoint, spec: SystemContainerSpec): Promise<EnsuredSystemContainer>;

  /** Its state and attached networks, or null when it does not exist; a same-named container that is not ours is an error. */
  abstract inspectSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef): Promise<SystemContainerState | null>;

  /** The last lines it logged (for error messages). */
  abstract systemContainerLogs(engine: EngineEndpoint, ref: SystemContainerRef): Promise<string>;

  /** docker exec in it (argv form; request bodies and secrets through `stdin`). */
  abstract execInSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, argv: string[], options?: ExecRequest): Promise<ExecResult>;

  /** Attaches it to a tenant's network, which must be labelled for that tenant. True when it was not attached yet. */
  abstract connectSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, network: { name: string; tenantId: string }): Promise<boolean>;

  /** Detaches it from a tenant network (never from its own). True when it was attached. */
  abstract disconnectSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, networkName: string): Promise<boolean>;

  /** Removes it; its labelled volumes and its own network only when asked. */
  abstract removeSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, options: { volumes: boolean; network: boolean }): Promise<RemovalReport>;

  // ---- task containers: short-lived, for one tenant (backups, restores); see task.ts ----

  /**
   * Runs a short-lived task container for a tenant (labelled managed, tenant, role) with the
   * tenant's labelled volumes mounted as asked, streams its output lines, and always removes
   * it afterwards: on success, failure, timeout (killed) or abort. Resolves with the exit code
   * (a non-zero exit is the caller's to judge); rejects when the task could not run.
   */
  abstract runTask(engine: EngineEndpoint, request: TaskRequest): Promise<TaskResult>;

  /** Removes task containers a crashed worker left behind (by default only those past their deadline). */
  abstract removeTasks(engine: EngineEndpoint, filter?: TaskCleanupFilter): Promise<string[]>;
}
