import type { Writable } from 'node:stream';
import type { ContainerLimits, Drift } from './plan/deployment-diff.js';
import type { DeploymentPlan, PlannedHook } from './plan/deployment-plan.js';

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

  /** Runs a hook with docker exec (argv form). Exit codes in hook.acceptExitCodes count as success. */
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

  /** Streams a tar of a labelled volume of this tenant (read-only helper container). */
  abstract exportVolume(engine: EngineEndpoint, tenantId: string, volumeName: string, into: Writable): Promise<void>;

  /**
   * Removes only objects labelled allmende.managed=true and allmende.tenant=<tenantId>
   * (app limits it to one app). Volumes only when asked: data is deleted on purpose, never by accident.
   */
  abstract remove(engine: EngineEndpoint, tenantId: string, options: { app?: string; volumes: boolean }): Promise<RemovalReport>;
}
