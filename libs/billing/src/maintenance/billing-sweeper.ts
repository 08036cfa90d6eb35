import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { SYSTEM_ACTOR } from '#domain';
import { Scheduler } from '#platform/jobs';
import { TenantsService } from '#provisioning';
import { Subscription } from '../entities/index.js';
import { tenantEventFor } from '../subscriptions/billing-decisions.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';

const ACTOR = SYSTEM_ACTOR('billing-sweeper');
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The billing sweep, a scheduler task of the worker: re-applies subscription states a tenant
 * has not caught up with (e.g. a payment that failed while the tenant was still being
 * provisioned). Webhook events need no sweep (the inbox is a queue), grace periods are
 * provisioning's. Safe to run twice or concurrently.
 */
@Injectable()
export class BillingSweeper implements OnModuleInit {
  private readonly logger = new Logger(BillingSweeper.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionsService,
    private readonly tenants: TenantsService,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'billing.sweep', intervalMs: SWEEP_INTERVAL_MS, run: () => this.sweep() });
  }

  async sweep(): Promise<void> {
    const ended = await this.endCancelled(new Date());
    if (ended) this.logger.log(`billing sweep: ${ended} bank-transfer subscription(s) ended at the end of their paid period, as their clubs asked`);
    const reconciled = await this.reconcile();
    if (reconciled) this.logger.log(`billing sweep: ${reconciled} tenant(s) brought in line with their subscription`);
  }

  /**
   * Bank-transfer subscriptions a club cancelled at the end of the paid period, once that has
   * come: they end now, and with them the tenant (final export, then deletion after the
   * retention). Stripe ends its own subscriptions and tells us by webhook.
   */
  async endCancelled(now: Date): Promise<number> {
    const scheduled = await this.dataSource.manager.find(Subscription, {
      where: { provider: 'manual', cancelAtPeriodEnd: true, status: In(['active', 'trialing', 'past_due']), orderId: Not(IsNull()) },
    });
    const due = scheduled.filter((subscription) => {
      const end = subscription.cancelAt ?? subscription.currentPeriodEnd;
      return end !== null && end.getTime() <= now.getTime();
    });
    for (const subscription of due) await this.subscriptions.recordManual(subscription.orderId!, { outcome: 'canceled' }, ACTOR);
    return due.length;
  }

  /** Tenants whose state does not match their subscription's latest status. */
  async reconcile(): Promise<number> {
    const subscriptions = await this.dataSource.manager.find(Subscription, { where: { orderId: Not(IsNull()), tenantId: Not(IsNull()) } });
    const states = await this.tenants.statesOf(subscriptions.map((subscription) => subscription.tenantId!));
    const behind = subscriptions.filter((subscription) => {
      const state = states.get(subscription.tenantId!);
      return state !== undefined && state !== 'terminating' && state !== 'terminated' && tenantEventFor(state, subscription.status) !== null;
    });
    for (const subscription of behind) await this.subscriptions.reconcile(subscription.orderId!, ACTOR);
    return behind.length;
  }
}
