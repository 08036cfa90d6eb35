import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServiceInstance, ServiceInstanceEvent, serviceInstanceLifecycle, ServiceInstanceState } from '#domain';

/** Moves service instances through their state machine; events that do not apply are skipped (re-runs). */
@Injectable()
export class ServiceInstances {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
}
