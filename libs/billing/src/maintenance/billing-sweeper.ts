import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { SYSTEM_ACTOR, Subscription, Tenant } from '#domain';
import { TenantLifecycleService } from '#provisioning';
import { tenantEventFor } from '../subscriptions/billing-decisions.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';

const ACTOR = SYSTEM_ACTOR('billing-sweeper');
const BATCH = 200;

/**
 * The billing loop that runs every minute in the worker: ends grace periods, re-applies
 * subscription states the tenant has not caught up with (e.g. a payment that failed while
 * the tenant was still being provisioned). Webhook events need no sweep: the inbox is a queue.
 * Every step is safe to run twice or concurrently.
 */
@Injectable()
export class BillingSweeper {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lifecycle: TenantLifecycleService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  async sweep(now = new Date()): Promise<{ suspended: number; reconciled: number }> {
    return { suspended: await this.endGracePeriods(now), reconciled: await this.reconcile() };
  }

  /** past_due tenants whose grace period is over are suspended (containers stopped, data kept). */
  async endGracePeriods(now: Date): Promise<number> {
    const due = await this.dataSource.manager.find(Tenant, { where: { state: 'past_due', graceEndsAt: LessThanOrEqual(now) }, take: BATCH });
    let suspended = 0;
    for (const tenant of due) {
      const result = await this.lifecycle.transition(tenant.id, 'grace_expired', ACTOR, { ifAllowed: true, reason: 'grace period ended', details: { graceEndsAt: tenant.graceEndsAt } });
      if (result.changed) suspended++;
    }
    return suspended;
  }

  /** Tenants whose state does not match their subscription's latest status. */
  async reconcile(): Promise<number> {
    const pairs: { orderId: string; status: Subscription['status']; tenantState: Tenant['state'] }[] = await this.dataSource.query(
      `select s.order_id as "orderId", s.status, t.state as "tenantState"
         from subscription s join tenant t on t.id = s.tenant_id
        where s.order_id is not null and t.state not in ('terminating', 'terminated')`,
    );
    const behind = pairs.filter((pair) => tenantEventFor(pair.tenantState, pair.status) !== null);
    for (const pair of behind) await this.subscriptions.reconcile(pair.orderId, ACTOR);
    return behind.length;
  }
}
