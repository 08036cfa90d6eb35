import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DockerHost, ServiceInstance } from '../entities/index.js';
import { courseTo, type ServiceInstanceGoal, type ServiceInstanceState } from '#domain';
import { ContainerRuntime, type AppHealth, type HealthVerdict } from '#runtime';
import type { ServiceHealth } from '../entities/index.js';
import type { AppDeployment } from './tenant-deployments.js';

/** The live verdict as a service's recorded health. */
const SERVICE_HEALTH: Record<AppHealth, ServiceHealth> = { healthy: 'healthy', degraded: 'degraded', unhealthy: 'unhealthy' };

/** States whose instance never had running containers: there is nothing to stop. */
const NEVER_RAN: readonly ServiceInstanceState[] = ['pending', 'failed'];

/**
 * Service instances as the worker drives them: every change goes through the instance state
 * machine along a course it allows (domain's courseTo), which refuses what the instance cannot
 * do; and what the engine reported is recorded on the row.
 */
@Injectable()
export class ServiceInstances {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: ContainerRuntime,
  ) {}

  /** Moves the instance to `goal` (and records `changes`); throws InvalidTransitionError when it cannot get there. */
  async moveTo(instance: ServiceInstance, goal: ServiceInstanceGoal, changes: Partial<ServiceInstance> = {}): Promise<void> {
    courseTo(instance.state, goal); // validates the whole course before anything is written
    await this.dataSource.manager.update(ServiceInstance, instance.id, { ...changes, state: goal });
    instance.state = goal;
    Object.assign(instance, changes);
  }

  /** Records the version the instance is (being) deployed with: an upgrade, or its rollback. */
  async setVersion(instance: ServiceInstance, version: string): Promise<void> {
    await this.dataSource.manager.update(ServiceInstance, instance.id, { version });
    instance.version = version;
  }

  /** Stops what runs; an instance that never ran stays as it is. */
  async markStopped(instance: ServiceInstance): Promise<void> {
    if (NEVER_RAN.includes(instance.state)) return;
    await this.moveTo(instance, 'stopped', { health: 'unknown', healthDetail: null });
  }

  /**
   * Applies one app's plan (creating, starting or recreating what differs) and records the
   * outcome: container ids, published ports (they change when a container is recreated),
   * plan hash and health. A new or failed instance is created first; one that already has
   * containers is converged.
   */
  async deploy(host: DockerHost, app: AppDeployment, report: (message: string) => Promise<void>): Promise<void> {
    if (NEVER_RAN.includes(app.instance.state)) await this.moveTo(app.instance, 'creating', { dockerHostId: host.id });
    let lastReport = 0;
    const applied = await this.runtime.apply(host, app.plan, (progress) => {
      // the engine reports often; a person needs a line every second or so
      if (Date.now() - lastReport < 1000 && progress.step !== 'health') return;
      lastReport = Date.now();
      void report(`${app.template.name}: ${progress.message}`).catch(() => undefined);
    });
    await this.moveTo(app.instance, 'running', {
      dockerHostId: host.id,
      containers: applied.containers,
      endpoints: applied.ports.map((port) => ({ service: port.service, containerPort: port.container, protocol: port.protocol, hostIp: port.hostIp, hostPort: port.hostPort })),
      planHash: app.plan.hash,
      health: 'healthy',
      healthDetail: null,
      healthCheckedAt: new Date(),
    });
  }

  /** Checks that every app runs as planned and records it healthy; throws (and is retried) otherwise. */
  async confirmRunning(host: DockerHost, apps: AppDeployment[]): Promise<void> {
    for (const app of apps) {
      const drift = await this.runtime.drift(host, app.plan);
      if (!drift.inSync) throw new Error(`${app.template.name} is not running as planned: ${JSON.stringify(drift)}`);
      await this.moveTo(app.instance, 'running', { health: 'healthy', healthDetail: null, healthCheckedAt: new Date() });
    }
  }

  /** Records what the engine's live state says of a running instance (the reconcile loop, every pass). */
  async recordHealth(instance: ServiceInstance, verdict: HealthVerdict, checkedAt: Date): Promise<void> {
    const changes = { health: SERVICE_HEALTH[verdict.health], healthDetail: verdict.problems.length ? verdict.problems.join('; ').slice(0, 2000) : null, healthCheckedAt: checkedAt };
    await this.dataSource.manager.update(ServiceInstance, instance.id, changes);
    Object.assign(instance, changes);
  }
}
