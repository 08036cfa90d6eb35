import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import Docker from 'dockerode';
import type { Writable } from 'node:stream';
import {
  AppliedDeployment, ApplyProgress, ArchiveSource, ContainerRuntime, EngineEndpoint, EngineStatus, ExecRequest, ExecResult, ObservedContainer, ObservedTenant,
  OpenArchive, PublishedPort, RemovalReport,
} from '../container-runtime.port.js';
import { readArchives } from './archive-reader.js';
import { checkPlan, containerCreateOptions } from '../plan/container-spec.js';
import { completedOneShot, diffDeployment, driftOf, type ContainerAction, type DeploymentDiff, type Drift, type ObservedContainerState } from '../plan/deployment-diff.js';
import { LABELS, type DeploymentPlan, type PlannedContainer, type PlannedHook } from '../plan/deployment-plan.js';
import { DockerClients, dockerOptions } from './docker-connection.js';
import { logTail, runExec, tail } from './engine-exec.js';
import { restoreLimits } from './container-limits.js';
import { endedByInterruption, interruptionOf } from './interruption.js';
import { limitsOf, observedContainerOf } from './live-state.js';
import { removeVolumeHelpers, seedVolumes } from './volume-helpers.js';
import { isHelperRole, isOwnedBy, nameConflict, networkLabels, ownerFilters, volumeLabels, type Labels } from '../plan/ownership.js';
import { EngineError, engineCall, isNotFound, RuntimeError, statusCodeOf } from '../runtime-errors.js';
import * as volumeArchive from './volume-archive.js';
import * as systemContainers from './system-containers.js';
import type { EnsuredSystemContainer, SystemContainerRef, SystemContainerSpec, SystemContainerState } from '../plan/system-container.js';
import { removeTaskContainers, runTaskContainer } from './task-container.js';
import type { TaskCleanupFilter, TaskRequest, TaskResult } from '../task.js';

export interface DockerRuntimeOptions {
  /** Host address published ports bind to (default 127.0.0.1: only the local edge proxy reaches them). */
  publishIp?: string;
  /** Image of the short-lived volume helper containers (default allmende/busybox:1, infra/images/build-busybox.sh). */
  helperImage?: string;
  /** Default wait for a service to turn healthy (or running) in apply (default 120 s). */
  healthTimeoutMs?: number;
  /** Wait for a one-shot to exit (default 10 min: migrations can be slow). */
  oneShotTimeoutMs?: number;
  /** Grace period on stop before the engine kills (default 30 s: databases shut down cleanly). */
  stopTimeoutSeconds?: number;
  /** Timeout of exec() when the caller gives none (default 10 min). */
  execTimeoutMs?: number;
  /** Limits of task containers that ask for none (default 2 GiB, 512 processes). */
  taskMemoryBytes?: number;
  taskPidsLimit?: number;
  /** How often apply polls container state (default 500 ms). */
  pollIntervalMs?: number;
}

/** DI token for DockerRuntimeOptions; without it the defaults apply. */
export const DOCKER_RUNTIME_OPTIONS = 'DOCKER_RUNTIME_OPTIONS';

const DEFAULTS: Required<DockerRuntimeOptions> = {
  publishIp: '127.0.0.1',
  helperImage: 'allmende/busybox:1',
  healthTimeoutMs: 120_000,
  oneShotTimeoutMs: 600_000,
  stopTimeoutSeconds: 30,
  execTimeoutMs: 600_000,
  taskMemoryBytes: 2 * 1024 * 1024 * 1024,
  taskPidsLimit: 512,
  pollIntervalMs: 500,
};

/** A container restarted this often while it should come up is crash-looping. */
const CRASH_LOOP_RESTARTS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nameOf = (info: { Name?: string; Names?: string[] }) => (info.Name ?? info.Names?.[0] ?? '').replace(/^\//, '');

/** Thrown into the other start chains once one failed, so apply can clean up without races. */
class ApplyAborted extends Error {}

/**
 * The Docker adapter: applies plans that were made elsewhere. Every object it creates is
 * labelled, and it mutates or deletes only objects whose labels prove they are ours.
 */
@Injectable()
export class DockerodeRuntime extends ContainerRuntime {
  private readonly logger = new Logger(DockerodeRuntime.name);
  protected readonly clients = new DockerClients();
  private readonly options: Required<DockerRuntimeOptions>;

  constructor(@Optional() @Inject(DOCKER_RUNTIME_OPTIONS) options?: DockerRuntimeOptions) {
    super();
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined)) };
  }

  async ping(engine: EngineEndpoint, timeoutMs = 3000): Promise<EngineStatus> {
    // a short-lived client so a hung engine cannot hold the shared agent
    const docker = new Docker(dockerOptions(engine.endpoint, timeoutMs));
    try {
      const version = await docker.version();
      return { reachable: true, version: version.Version };
    } catch (error) {
      return { reachable: false, error: (error as Error).message };
    }
  }

  async missingImages(engine: EngineEndpoint, plan: DeploymentPlan): Promise<string[]> {
    return (await this.absentImages(this.clients.get(engine), plan)).map((absent) => absent.image);
  }

  async apply(
    engine: EngineEndpoint,
    plan: DeploymentPlan,
    onProgress: (progress: ApplyProgress) => void = () => {},
    healthTimeoutMs = this.options.healthTimeoutMs,
  ): Promise<AppliedDeployment> {
    checkPlan(plan);
    const docker = this.clients.get(engine);
    const what = `${plan.app} of tenant ${plan.tenant.slug}`;

    // Before anything is stopped or created: a missing image must not take a running app down.
    const absent = await this.absentImages(docker, plan);
    if (absent.length) {
      throw new RuntimeError('runtime.image_missing', `Cannot apply ${what}: ${absent.map((a) => `${a.image}: ${a.message}`).join('; ')}`);
    }

    await this.ensureNetwork(docker, plan);
    onProgress({ step: 'network', message: `network ${plan.network.name} ready` });
    for (const volume of plan.volumes) await this.ensureVolume(docker, plan, volume);
    onProgress({ step: 'volumes', message: `${plan.volumes.length} volume(s) ready` });

    const diff = await this.diff(docker, plan);
    const created = new Set<string>();
    const ready = new Set<string>();
    const ids: Record<string, string> = {};
    try {
      for (const action of diff.containers) {
        const planned = plan.containers.find((container) => container.name === action.name)!;
        ids[planned.service] = await this.carryOut(docker, plan, planned, action, created, onProgress);
      }
      await this.startAll(docker, plan, ids, ready, onProgress, healthTimeoutMs);
    } catch (error) {
      await this.discard(docker, [...created].filter((id) => !ready.has(id)), error);
      throw error;
    }

    for (const unplanned of diff.unexpected) {
      await this.stopAndRemove(docker.getContainer(unplanned.id), unplanned.name);
      onProgress({ step: 'containers', message: `${unplanned.name} is no longer planned: removed (volumes stay)` });
    }
    return { containers: ids, ports: await this.publishedPorts(docker, plan, ids) };
  }

  async runHook(engine: EngineEndpoint, plan: DeploymentPlan, hook: PlannedHook): Promise<ExecResult> {
    const planned = plan.containers.find((container) => container.service === hook.service);
    if (!planned) throw new RuntimeError('runtime.plan_refused', `Hook "${hook.name}" names service "${hook.service}", which the plan does not have`);
    const docker = this.clients.get(engine);
    const info = await this.inspectContainer(docker, planned.name);
    if (!info) throw new RuntimeError('runtime.not_owned', `Hook "${hook.name}": container ${planned.name} does not exist`);
    const labels = info.Config.Labels as Labels;
    if (!isOwnedBy(labels, plan.tenant.id, plan.app) || labels[LABELS.service] !== planned.service) throw nameConflict('Container', planned.name, labels);

    // a secret reaches the hook through stdin or env, never argv
    const options = { env: hook.env, user: hook.user, stdin: hook.stdin, timeoutMs: hook.timeoutSeconds * 1000, label: `hook "${hook.name}" in ${planned.name}` };
    let result = await runExec(docker.getContainer(info.Id), hook.argv, options);
    this.logger.log(`hook ${hook.name} in ${planned.name} exited with ${result.exitCode}`);
    const interrupted = await interruptionOf(docker.getContainer(info.Id), info, result.exitCode, `hook "${hook.name}" in ${planned.name}`);
    if (interrupted) throw interrupted;
    const failed = result.exitCode !== 0 && !hook.acceptExitCodes.includes(result.exitCode);
    if (failed && hook.recovery && new RegExp(hook.recovery.whenOutputMatches).test(`${result.stdout}\n${result.stderr}`)) {
      // the work was done by an earlier run that crashed before recording it
      result = await runExec(docker.getContainer(info.Id), hook.recovery.argv, { ...options, stdin: hook.recovery.stdin, label: `recovery of hook "${hook.name}" in ${planned.name}` });
      this.logger.log(`recovery of hook ${hook.name} in ${planned.name} exited with ${result.exitCode}`);
      if (result.exitCode !== 0) {
        throw new RuntimeError('runtime.hook_failed', `Recovery of hook "${hook.name}" in ${planned.name} failed with exit code ${result.exitCode}: ${tail(result.stderr) || '(no output)'}`);
      }
      return result;
    }
    if (result.exitCode !== 0 && !hook.acceptExitCodes.includes(result.exitCode)) {
      const output = tail(result.stderr) || tail(result.stdout) || '(no output)';
      throw new RuntimeError('runtime.hook_failed', `Hook "${hook.name}" in ${planned.name} failed with exit code ${result.exitCode}: ${output}`);
    }
    return result;
  }

  async exec(
    engine: EngineEndpoint,
    containerName: string,
    argv: string[],
    options: ExecRequest = {},
  ): Promise<ExecResult> {
    const docker = this.clients.get(engine);
    const info = await this.inspectContainer(docker, containerName);
    if (!info) throw new RuntimeError('runtime.not_owned', `Container ${containerName} does not exist`);
    const labels = info.Config.Labels as Labels;
    if (labels?.[LABELS.managed] !== 'true' || !labels[LABELS.tenant]) throw nameConflict('Container', containerName, labels);
    const result = await runExec(docker.getContainer(info.Id), argv, {
      env: options.env,
      user: options.user,
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? this.options.execTimeoutMs,
      label: `exec in ${containerName}`,
    });
    const interrupted = await interruptionOf(docker.getContainer(info.Id), info, result.exitCode, `exec of ${argv[0]} in ${containerName}`);
    if (interrupted) throw interrupted;
    return result;
  }

  async observe(engine: EngineEndpoint, tenantId: string): Promise<ObservedTenant> {
    const docker = this.clients.get(engine);
    const containers = (await this.ownedContainers(docker, tenantId)).map(({ observed }) => observed);
    const volumes = await engineCall('list volumes', () => docker.listVolumes({ filters: ownerFilters(tenantId) }));
    const networks = await engineCall('list networks', () => docker.listNetworks({ filters: ownerFilters(tenantId) }));
    return {
      containers,
      volumes: (volumes.Volumes ?? [])
        .filter((volume) => isOwnedBy(volume.Labels, tenantId))
        .map((volume) => ({ name: volume.Name, app: volume.Labels?.[LABELS.app] ?? null })),
      networks: networks.filter((network) => isOwnedBy(network.Labels, tenantId)).map((network) => ({ name: network.Name })),
    };
  }

  async drift(engine: EngineEndpoint, plan: DeploymentPlan): Promise<Drift> {
    checkPlan(plan);
    return driftOf(await this.diff(this.clients.get(engine), plan));
  }

  /** What the engine runs for the plan's tenant and app, compared with the plan (the decision is pure: diffDeployment). */
  private async diff(docker: Docker, plan: DeploymentPlan): Promise<DeploymentDiff> {
    const observed: ObservedContainerState[] = (await this.appContainers(docker, plan.tenant.id, plan.app)).map(({ info, observed: seen }) => ({
      id: info.Id,
      name: seen.name,
      service: seen.service,
      specHash: info.Config.Labels?.[LABELS.specHash] ?? null,
      state: info.State.Status,
      exitCode: info.State.ExitCode ?? null,
      limits: limitsOf(info),
    }));
    return diffDeployment(plan, observed, { publishIp: this.options.publishIp });
  }

  async stop(engine: EngineEndpoint, tenantId: string, app?: string): Promise<string[]> {
    const docker = this.clients.get(engine);
    const stopped: string[] = [];
    for (const { observed } of await this.appContainers(docker, tenantId, app)) {
      if (observed.state !== 'running' && observed.state !== 'restarting') continue;
      await this.stopContainer(docker.getContainer(observed.id), observed.name);
      stopped.push(observed.name);
    }
    if (stopped.length) this.logger.log(`stopped ${stopped.join(', ')}`);
    return stopped;
  }

  async removeVolumeHelpers(engine: EngineEndpoint, tenantId: string): Promise<string[]> {
    const removed = await removeVolumeHelpers(this.clients.get(engine), tenantId);
    if (removed.length) this.logger.warn(`removed volume helper(s) left by an interrupted export of tenant ${tenantId}: ${removed.join(', ')}`);
    return removed;
  }

  async prepareStorage(engine: EngineEndpoint, plan: DeploymentPlan): Promise<void> {
    checkPlan(plan);
    const docker = this.clients.get(engine);
    await this.ensureNetwork(docker, plan);
    const created = new Set<string>();
    for (const volume of plan.volumes) if (await this.ensureVolume(docker, plan, volume)) created.add(volume.name);
    await seedVolumes(docker, plan, created);
  }

  async readArchives(engine: EngineEndpoint, source: ArchiveSource, read: (open: OpenArchive) => Promise<void>): Promise<void> {
    await readArchives(this.clients.get(engine), source, read);
  }

  async exportVolume(engine: EngineEndpoint, tenantId: string, volumeName: string, into: Writable): Promise<void> {
    await volumeArchive.exportVolume(this.clients.get(engine), this.options.helperImage, tenantId, volumeName, into);
  }

  async remove(engine: EngineEndpoint, tenantId: string, options: { app?: string; volumes: boolean }): Promise<RemovalReport> {
    const docker = this.clients.get(engine);
    const report: RemovalReport = { containers: [], volumes: [], networks: [] };

    for (const { observed } of await this.ownedContainers(docker, tenantId, options.app)) {
      await this.stopAndRemove(docker.getContainer(observed.id), observed.name);
      report.containers.push(observed.name);
    }

    if (options.volumes) {
      const listed = await engineCall('list volumes', () => docker.listVolumes({ filters: ownerFilters(tenantId, options.app) }));
      for (const volume of listed.Volumes ?? []) {
        if (!isOwnedBy(volume.Labels, tenantId, options.app)) continue;
        await engineCall(`remove volume ${volume.Name}`, () => docker.getVolume(volume.Name).remove());
        report.volumes.push(volume.Name);
      }
    }

    // The network is the tenant's, shared by its apps: it goes with the last container.
    const remaining = await engineCall('list containers', () => docker.listContainers({ all: true, filters: ownerFilters(tenantId) }));
    if (remaining.length === 0) {
      const networks = await engineCall('list networks', () => docker.listNetworks({ filters: ownerFilters(tenantId) }));
      for (const network of networks) {
        if (!isOwnedBy(network.Labels, tenantId)) continue;
        const info = await engineCall(`inspect network ${network.Name}`, () => docker.getNetwork(network.Id).inspect());
        if (Object.keys(info.Containers ?? {}).length) {
          this.logger.warn(`network ${network.Name} of tenant ${tenantId} still has containers attached that are not the tenant's; kept`);
          continue;
        }
        await engineCall(`remove network ${network.Name}`, () => docker.getNetwork(network.Id).remove());
        report.networks.push(network.Name);
      }
    }
    this.logger.log(`removed for tenant ${tenantId}${options.app ? ` app ${options.app}` : ''}: ${JSON.stringify(report)}`);
    return report;
  }

  // ---- system containers (docker/system-containers.ts) ----------------------------------

  private get systemOptions(): systemContainers.SystemContainerOptions {
    return { stopTimeoutSeconds: this.options.stopTimeoutSeconds, execTimeoutMs: this.options.execTimeoutMs, log: (message) => this.logger.log(message) };
  }

  ensureSystemContainer(engine: EngineEndpoint, spec: SystemContainerSpec): Promise<EnsuredSystemContainer> {
    return systemContainers.ensureSystemContainer(this.clients.get(engine), spec, this.systemOptions);
  }

  inspectSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef): Promise<SystemContainerState | null> {
    return systemContainers.inspectSystemContainer(this.clients.get(engine), ref);
  }

  systemContainerLogs(engine: EngineEndpoint, ref: SystemContainerRef): Promise<string> {
    return systemContainers.systemContainerLogs(this.clients.get(engine), ref);
  }

  execInSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, argv: string[], options: ExecRequest = {}): Promise<ExecResult> {
    return systemContainers.execInSystemContainer(this.clients.get(engine), ref, argv, options, this.systemOptions);
  }

  connectSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, network: { name: string; tenantId: string }): Promise<boolean> {
    return systemContainers.connectSystemContainer(this.clients.get(engine), ref, network);
  }

  disconnectSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, networkName: string): Promise<boolean> {
    return systemContainers.disconnectSystemContainer(this.clients.get(engine), ref, networkName);
  }

  removeSystemContainer(engine: EngineEndpoint, ref: SystemContainerRef, options: { volumes: boolean; network: boolean }): Promise<RemovalReport> {
    return systemContainers.removeSystemContainer(this.clients.get(engine), ref, options, this.systemOptions);
  }

  // ---- task containers (docker/task-container.ts) -------------------------------------

  async runTask(engine: EngineEndpoint, request: TaskRequest): Promise<TaskResult> {
    const defaults = { memoryBytes: this.options.taskMemoryBytes, pidsLimit: this.options.taskPidsLimit };
    return runTaskContainer(this.clients.get(engine), request, defaults, (message) => this.logger.warn(message));
  }

  async removeTasks(engine: EngineEndpoint, filter?: TaskCleanupFilter): Promise<string[]> {
    const removed = await removeTaskContainers(this.clients.get(engine), filter);
    if (removed.length) this.logger.log(`removed abandoned task containers: ${removed.join(', ')}`);
    return removed;
  }

  // ---- apply steps -------------------------------------------------------------------

  private async absentImages(docker: Docker, plan: DeploymentPlan): Promise<{ image: string; message: string }[]> {
    const absent: { image: string; message: string }[] = [];
    for (const image of [...new Set(plan.containers.map((container) => container.image))]) {
      try {
        await docker.getImage(image).inspect();
      } catch (error) {
        if (!isNotFound(error)) throw new EngineError(`inspect image ${image}`, error);
        absent.push({ image, message: new EngineError(`inspect image ${image}`, error).engineMessage });
      }
    }
    return absent;
  }

  /** Inspect, and create only on a precise 404; an existing network must be labelled for this tenant. */
  private async ensureNetwork(docker: Docker, plan: DeploymentPlan): Promise<void> {
    const { name } = plan.network;
    const labels = networkLabels(plan);
    const existing = await this.inspectNetwork(docker, name);
    if (existing) {
      if (!isOwnedBy(existing.Labels, plan.tenant.id)) throw nameConflict('Network', name, existing.Labels);
      // a scratch copy must never land on a network with a route out
      if (plan.network.internal && !existing.Internal) throw new RuntimeError('runtime.plan_refused', `Network "${name}" exists but is not internal; refusing to use it for an isolated plan`);
      return;
    }
    try {
      await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels, ...(plan.network.internal ? { Internal: true } : {}) });
      this.logger.log(`created network ${name}`);
    } catch (error) {
      // another apply of the same tenant created it a moment ago: fine if it is ours
      const raced = statusCodeOf(error) === 409 ? await this.inspectNetwork(docker, name) : null;
      if (!raced) throw new EngineError(`create network ${name}`, error);
      if (!isOwnedBy(raced.Labels, plan.tenant.id)) throw nameConflict('Network', name, raced.Labels);
    }
  }

  private async inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | null> {
    try {
      const info = await docker.getNetwork(name).inspect();
      return info.Name === name ? info : null; // the engine also matches id prefixes
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new EngineError(`inspect network ${name}`, error);
    }
  }

  /** True when it created the volume. */
  private async ensureVolume(docker: Docker, plan: DeploymentPlan, volume: DeploymentPlan['volumes'][number]): Promise<boolean> {
    const labels = volumeLabels(plan, volume);
    try {
      const info = await docker.getVolume(volume.name).inspect();
      if (!isOwnedBy(info.Labels, plan.tenant.id, plan.app)) throw nameConflict('Volume', volume.name, info.Labels);
      return false;
    } catch (error) {
      if (!isNotFound(error)) throw error instanceof RuntimeError ? error : new EngineError(`inspect volume ${volume.name}`, error);
    }
    // (creating an existing name would silently return the existing volume: hence the inspect first)
    await engineCall(`create volume ${volume.name}`, () => docker.createVolume({ Name: volume.name, Driver: 'local', Labels: labels }));
    this.logger.log(`created volume ${volume.name}`);
    return true;
  }

  /** Carries out the diff's action for one container and returns the id of the container that now matches the plan. */
  private async carryOut(
    docker: Docker,
    plan: DeploymentPlan,
    planned: PlannedContainer,
    action: ContainerAction,
    created: Set<string>,
    onProgress: (progress: ApplyProgress) => void,
  ): Promise<string> {
    if (action.kind === 'keep' || action.kind === 'start') {
      onProgress({ step: 'containers', message: `${planned.name} is up to date` });
      return action.id;
    }
    if (action.kind === 'update') {
      await restoreLimits(docker.getContainer(action.id), planned.name, action.limits);
      this.logger.warn(`limits of ${planned.name} had been changed outside Allmende: set back to the plan's`);
      onProgress({ step: 'containers', message: `${planned.name}: resource limits set back to the plan's` });
      return action.id;
    }
    if (action.kind === 'replace') {
      onProgress({ step: 'containers', message: `${planned.name} differs from the plan: replacing it (volumes stay)` });
      await this.stopAndRemove(docker.getContainer(action.id), planned.name);
    } else {
      // our name, but not labelled for this tenant and app (the diff saw only our containers): never touched
      const existing = await this.inspectContainer(docker, planned.name);
      if (existing) throw nameConflict('Container', planned.name, existing.Config.Labels as Labels);
    }
    const request = containerCreateOptions(plan, planned, { publishIp: this.options.publishIp });
    const container = await engineCall(`create container ${planned.name}`, () => docker.createContainer(request));
    created.add(container.id);
    this.logger.log(`created container ${planned.name} (${planned.image})`);
    onProgress({ step: 'containers', message: `${planned.name} created` });
    return container.id;
  }

  /** Starts in plan order; each container waits for its dependencies to be ready (healthy, running, or completed). */
  private async startAll(
    docker: Docker,
    plan: DeploymentPlan,
    ids: Record<string, string>,
    ready: Set<string>,
    onProgress: (progress: ApplyProgress) => void,
    healthTimeoutMs: number,
  ): Promise<void> {
    const abort = { aborted: false };
    const chains = new Map<string, Promise<void>>();
    for (const planned of plan.containers) {
      const dependencies = planned.dependsOn.map((service) => chains.get(service)!);
      const chain = Promise.all(dependencies).then(async () => {
        if (abort.aborted) throw new ApplyAborted();
        const id = ids[planned.service];
        await this.startOne(docker, planned, id, onProgress);
        await this.waitReady(docker.getContainer(id), planned, planned.oneShot ? this.options.oneShotTimeoutMs : healthTimeoutMs, abort);
        ready.add(id);
        onProgress({ step: 'health', message: `${planned.name} ${planned.oneShot ? 'completed' : planned.healthcheck ? 'is healthy' : 'is running'}` });
      });
      chain.catch(() => {
        abort.aborted = true;
      });
      chains.set(planned.service, chain);
    }
    const results = await Promise.allSettled(chains.values());
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    const cause = failures.find((reason) => !(reason instanceof ApplyAborted));
    if (cause !== undefined) throw cause;
  }

  private async startOne(docker: Docker, planned: PlannedContainer, id: string, onProgress: (progress: ApplyProgress) => void): Promise<void> {
    const container = docker.getContainer(id);
    const info = await engineCall(`inspect container ${planned.name}`, () => container.inspect());
    if (planned.oneShot && completedOneShot({ state: info.State.Status, exitCode: info.State.ExitCode })) return; // ran to exit 0 with this request: never rerun
    if (info.State.Paused) {
      await engineCall(`unpause container ${planned.name}`, () => container.unpause());
    } else if (!info.State.Running) {
      await engineCall(`start container ${planned.name}`, () => container.start());
      onProgress({ step: 'start', message: `${planned.name} started` });
    }
  }

  private async waitReady(container: Docker.Container, planned: PlannedContainer, timeoutMs: number, abort: { aborted: boolean }): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (abort.aborted) throw new ApplyAborted();
      const info = await engineCall(`inspect container ${planned.name}`, () => container.inspect());
      const state = info.State;
      const ended = state.Status === 'exited' || state.Status === 'dead';
      if (ended && endedByInterruption(info) && !(planned.oneShot && state.ExitCode === 0)) {
        throw new RuntimeError('runtime.interrupted', `${planned.name} was stopped from outside while it started (exit code ${state.ExitCode}; engine restart?); it is tried again`);
      }
      if (planned.oneShot) {
        if (ended && state.ExitCode === 0) return;
        if (ended) throw await this.startFailure(container, planned, `one-shot exited with code ${state.ExitCode}${state.OOMKilled ? ' (killed for using more than its memory limit)' : ''}`);
      } else if (ended && !['always', 'unless-stopped', 'on-failure'].includes(info.HostConfig.RestartPolicy?.Name ?? '')) {
        throw await this.startFailure(container, planned, `exited with code ${state.ExitCode}${state.OOMKilled ? ' (killed for using more than its memory limit)' : ''}`);
      } else if (info.RestartCount >= CRASH_LOOP_RESTARTS && (!state.Running || state.Restarting)) {
        // a new container that keeps dying will not become ready: say so now, not at the timeout
        throw await this.startFailure(container, planned, `keeps exiting (restarted ${info.RestartCount} times, last exit code ${state.ExitCode}${state.OOMKilled ? ', killed for using more than its memory limit' : ''})`);
      } else if (planned.healthcheck) {
        if (state.Health?.Status === 'healthy') return;
        if (state.Health?.Status === 'unhealthy') throw await this.startFailure(container, planned, `is unhealthy; ${lastHealthCheck(info)}`);
        // The engine runs the first check only after a whole interval (20.10 has no start
        // interval); running the same check ourselves sees readiness within a poll.
        if (state.Running && !state.Restarting && (await this.passesHealthcheck(container, planned))) return;
      } else if (state.Running && !state.Restarting) {
        return;
      }
      if (Date.now() >= deadline) {
        const health = planned.healthcheck ? `; ${lastHealthCheck(info)}` : '';
        throw await this.startFailure(container, planned, `not ready after ${Math.round(timeoutMs / 1000)} s (state ${state.Status}, restarts ${info.RestartCount})${health}`);
      }
      await sleep(this.options.pollIntervalMs);
    }
  }

  /** Runs the container's own healthcheck command once, as Docker would. */
  private async passesHealthcheck(container: Docker.Container, planned: PlannedContainer): Promise<boolean> {
    const [form, ...rest] = planned.healthcheck!.test;
    const argv = form === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : rest;
    try {
      const result = await runExec(container, argv, { timeoutMs: planned.healthcheck!.timeoutSeconds * 1000, label: `${planned.name} healthcheck` });
      return result.exitCode === 0;
    } catch {
      return false; // not up yet (or the check timed out): the next poll tries again
    }
  }

  private async startFailure(container: Docker.Container, planned: PlannedContainer, why: string): Promise<RuntimeError> {
    return new RuntimeError('runtime.start_failed', `${planned.name} ${why}; last log lines:\n${(await logTail(container)) || '(no output)'}`);
  }

  /** After a failed apply: containers this call created that did not get ready go, so nothing half-made stays. */
  private async discard(docker: Docker, ids: string[], cause: unknown): Promise<void> {
    for (const id of ids) {
      try {
        await docker.getContainer(id).remove({ force: true });
        this.logger.warn(`removed container ${id.slice(0, 12)} after a failed apply: ${(cause as Error).message?.split('\n')[0]}`);
      } catch (error) {
        if (!isNotFound(error)) this.logger.error(`could not remove container ${id.slice(0, 12)} after a failed apply: ${(error as Error).message}`);
      }
    }
  }

  private async publishedPorts(docker: Docker, plan: DeploymentPlan, ids: Record<string, string>): Promise<PublishedPort[]> {
    const ports: PublishedPort[] = [];
    for (const planned of plan.containers) {
      const published = planned.ports.filter((port) => port.publish);
      if (!published.length) continue;
      const info = await engineCall(`inspect container ${planned.name}`, () => docker.getContainer(ids[planned.service]).inspect());
      for (const port of published) {
        const bindings = info.NetworkSettings.Ports?.[`${port.container}/${port.protocol}`] ?? [];
        const binding = bindings.find((b) => b.HostIp === (port.hostIp ?? this.options.publishIp)) ?? bindings[0];
        if (!binding) continue; // a finished one-shot publishes nothing
        ports.push({ service: planned.service, container: port.container, protocol: port.protocol, hostIp: binding.HostIp, hostPort: Number(binding.HostPort) });
      }
    }
    return ports;
  }

  // ---- helpers -----------------------------------------------------------------------

  private async inspectContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
    try {
      const info = await docker.getContainer(name).inspect();
      return nameOf(info) === name || info.Id === name ? info : null; // the engine also matches id prefixes
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new EngineError(`inspect container ${name}`, error);
    }
  }

  /** Every container labelled for the tenant (and app), inspected, oldest first. */
  private async ownedContainers(docker: Docker, tenantId: string, app?: string): Promise<{ observed: ObservedContainer; info: Docker.ContainerInspectInfo }[]> {
    const listed = await engineCall('list containers', () => docker.listContainers({ all: true, filters: ownerFilters(tenantId, app) }));
    const entries: { observed: ObservedContainer; info: Docker.ContainerInspectInfo }[] = [];
    for (const item of listed) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await docker.getContainer(item.Id).inspect();
      } catch (error) {
        if (isNotFound(error)) continue; // removed meanwhile
        throw new EngineError(`inspect container ${nameOf(item)}`, error);
      }
      const labels = info.Config.Labels ?? {};
      if (!isOwnedBy(labels, tenantId, app)) continue; // the filter said so; the labels must too
      entries.push({ info, observed: observedContainerOf(info) });
    }
    // creation order (ms, not the listing's seconds) is the plan's start order
    return entries.sort((a, b) => Date.parse(a.info.Created) - Date.parse(b.info.Created));
  }

  /** The tenant's app containers (not volume helpers or backup tasks: stop/start must never touch those). */
  private async appContainers(docker: Docker, tenantId: string, app?: string) {
    return (await this.ownedContainers(docker, tenantId, app)).filter(({ info }) => !isHelperRole(info.Config.Labels?.[LABELS.role]));
  }

  private async stopContainer(container: Docker.Container, name: string): Promise<void> {
    try {
      await container.stop({ t: this.options.stopTimeoutSeconds });
    } catch (error) {
      const status = statusCodeOf(error);
      if (status !== 304 && status !== 404) throw new EngineError(`stop container ${name}`, error); // 304: already stopped
    }
  }

  private async stopAndRemove(container: Docker.Container, name: string): Promise<void> {
    await this.stopContainer(container, name);
    try {
      await container.remove({ force: true, v: false }); // named volumes are never removed with a container
      this.logger.log(`removed container ${name}`);
    } catch (error) {
      if (!isNotFound(error)) throw new EngineError(`remove container ${name}`, error);
    }
  }
}

function lastHealthCheck(info: Docker.ContainerInspectInfo): string {
  const log = info.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  if (!last) return 'no health check has finished yet';
  return `last health check exited with ${last.ExitCode}: ${tail(last.Output ?? '', 1000) || '(no output)'}`;
}
