import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DockerHost, ServiceInstance } from '../entities/index.js';
import { ServiceInstanceEvent, serviceInstanceLifecycle, ServiceInstanceState } from '#domain';
import { ContainerRuntime } from '#runtime';
import type { AppDeployment } from './tenant-deployments.js';

/**
 * Service instances as the worker drives them: through their state machine (events that
 * do not apply are skipped, so re-runs are harmless), and with what the engine reported
 * recorded on the row.
 */
@Injectable()
export class ServiceInstances {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: ContainerRuntime,
  ) {}

  /** Applies the events in order, each only where it is allowed; returns the final state. */
  async advance(instance: ServiceInstance, events: ServiceInstanceEvent[], changes: Partial<ServiceInstance> = {}): Promise<ServiceInstanceState> {
    let state = instance.state;
    for (const event of events) {
      if (serviceInstanceLifecycle.can(state, event)) state = serviceInstanceLifecycle.next(state, event);
    }
    await this.dataSource.manager.update(ServiceInstance, instance.id, { ...changes, state });
    instance.state = state;
    Object.assign(instance, changes);
    return state;
  }

  /**
   * Applies one app's plan (creating, starting or recreating what differs) and records the
   * outcome: container ids, published ports (they change when a container is recreated),
   * plan hash and health. `before` are the events that lead into the apply.
   */
  async deploy(host: DockerHost, app: AppDeployment, before: ServiceInstanceEvent[], report: (message: string) => Promise<void>): Promise<void> {
    await this.advance(app.instance, before, { dockerHostId: host.id });
    let lastReport = 0;
    const applied = await this.runtime.apply(host, app.plan, (progress) => {
      // the engine reports often; a person needs a line every second or so
      if (Date.now() - lastReport < 1000 && progress.step !== 'health') return;
      lastReport = Date.now();
      void report(`${app.template.name}: ${progress.message}`).catch(() => undefined);
    });
    await this.advance(app.instance, ['containers_created', 'start', 'became_healthy'], {
      containers: applied.containers,
      endpoints: applied.ports.map((port) => ({ service: port.service, containerPort: port.container, protocol: port.protocol, hostIp: port.hostIp, hostPort: port.hostPort })),
      planHash: app.plan.hash,
      health: 'healthy',
      healthCheckedAt: new Date(),
    });
  }

  /** Checks that every app runs as planned and records it healthy; throws (and is retried) otherwise. */
  async confirmRunning(host: DockerHost, apps: AppDeployment[]): Promise<void> {
    for (const app of apps) {
      const drift = await this.runtime.drift(host, app.plan);
      if (!drift.inSync) throw new Error(`${app.template.name} is not running as planned: ${JSON.stringify(drift)}`);
      await this.advance(app.instance, ['became_healthy'], { health: 'healthy', healthCheckedAt: new Date() });
    }
  }
}
