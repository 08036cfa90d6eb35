import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { type CatalogProblemCode, type Plan, PlansService } from '#catalog';
import { type AuditActor, AuditLog } from '#domain';
import { AccountsService, MailOutbox, OrganizationsService } from '#identity';
import { AppConfig, InvalidStateError, NotFoundError, problem, ValidationFailedError } from '#platform';
import { TenantsService } from '#provisioning';
import { Order, Subscription, type SubscriptionStatus } from '../entities/index.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import type { BillingProblemCode } from '../problems.js';
import { isFinal } from './billing-decisions.js';

/** The club confirmed that its subscription ends when the paid period does: the date, when the data goes, how to export. */
export const CANCELLATION_CONFIRMED_LETTER = 'billing.cancellation_confirmed';

/** The facts of the cancellation letter; the storefront writes the dates in the letter's language. */
export interface CancellationLetterValues extends Record<string, string> {
  club: string;
  plan: string;
  /** AM-2026-0042 */
  reference: string;
  /** ISO time: the service ends (the end of the paid period). */
  endsAt: string;
  /** ISO time: the last day the data (and the final export) is kept. */
  deleteAfter: string;
  /** The club's dashboard, where the export is. */
  link: string;
}

/** Subscriptions in which the club pays (or owes) for a running period: what can be cancelled or changed. */
const RUNNING: ReadonlySet<SubscriptionStatus> = new Set(['active', 'trialing', 'past_due']);

/** One order of a club with what its dashboard shows of its billing. */
export interface ClubOrder {
  order: Pick<Order, 'id' | 'reference' | 'state' | 'paymentProvider' | 'amountCents' | 'currency' | 'createdAt' | 'paidAt' | 'tenantId' | 'planId'>;
  plan: Plan;
  subscription: Pick<Subscription, 'status' | 'currentPeriodEnd' | 'cancelAtPeriodEnd' | 'cancelAt'> | null;
  /** When the next payment is due: the end of the paid period, unless the subscription ends then. */
  nextPaymentAt: Date | null;
  /** The date the service ends, when a cancellation is scheduled. */
  endsAt: Date | null;
  /** Whether the subscription runs and may be cancelled at period end, or a scheduled cancellation withdrawn. */
  cancellable: boolean;
  /** Orderable plans with the same apps, billed the same way: what the club may switch to. */
  switchablePlans: Plan[];
  /** Stripe's customer portal can be opened (invoices, card). */
  hasPortal: boolean;
}

/**
 * Billing as a club's dashboard shows and changes it: its orders and subscriptions, cancelling at
 * the end of the paid period (with the letter that confirms it) or taking that back, and
 * switching to a plan with the same apps from the next payment on. Role checks are the caller's
 * (identity's policy); every change is audited in its transaction.
 */
@Injectable()
export class ClubBilling {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly plans: PlansService,
    private readonly tenants: TenantsService,
    private readonly organizations: OrganizationsService,
    private readonly accounts: AccountsService,
    private readonly outbox: MailOutbox,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  async forOrganization(organizationId: string): Promise<ClubOrder[]> {
    const manager = this.dataSource.manager;
    const orders = await manager.find(Order, { where: { organizationId }, order: { createdAt: 'DESC' } });
    if (orders.length === 0) return [];
    const subscriptions = await manager.find(Subscription, { where: { orderId: In(orders.map((order) => order.id)) }, order: { createdAt: 'DESC' } });
    const orderable = await this.plans.listOrderable();
    const plans = await this.plans.byIds(orders.map((order) => order.planId));
    return orders.map((order) => {
      const plan = plans.get(order.planId)!;
      const subscription = subscriptions.find((candidate) => candidate.orderId === order.id) ?? null;
      const running = subscription !== null && RUNNING.has(subscription.status);
      const ends = running && subscription.cancelAtPeriodEnd ? (subscription.cancelAt ?? subscription.currentPeriodEnd) : null;
      return {
        order: {
          id: order.id, reference: order.reference, state: order.state, paymentProvider: order.paymentProvider, amountCents: order.amountCents, currency: order.currency,
          createdAt: order.createdAt, paidAt: order.paidAt, tenantId: order.tenantId, planId: order.planId,
        },
        plan,
        subscription: subscription && { status: subscription.status, currentPeriodEnd: subscription.currentPeriodEnd, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, cancelAt: subscription.cancelAt },
        nextPaymentAt: running && !subscription.cancelAtPeriodEnd ? subscription.currentPeriodEnd : null,
        endsAt: ends,
        cancellable: running && subscription.currentPeriodEnd !== null,
        switchablePlans: running && !subscription.cancelAtPeriodEnd ? orderable.filter((candidate) => switchable(plan, candidate)) : [],
        hasPortal: subscription?.provider === 'stripe' && subscription.providerCustomerId !== null,
      };
    });
  }

  /** The order if it belongs to the organization: a page's order id is never trusted on its own. */
  async orderOf(organizationId: string, orderId: string): Promise<Order> {
    const order = await this.dataSource.manager.findOne(Order, { where: { id: orderId, organizationId } });
    if (!order) throw new NotFoundError('Order');
    return order;
  }

  /**
   * The subscription ends when the paid period does, not at once: Stripe is told (cancel_at_period_end),
   * a bank transfer's subscription is ended by the billing sweep on that date. The club's contact
   * gets the letter with the date, when the data is deleted and how to export, in the same
   * transaction. Asking again changes nothing and sends nothing.
   */
  async cancelAtPeriodEnd(organizationId: string, orderId: string, actor: AuditActor): Promise<{ endsAt: Date; deleteAfter: Date }> {
    const order = await this.orderOf(organizationId, orderId);
    const before = await this.runningSubscription(order.id);
    if (!before.cancelAtPeriodEnd) {
      // no lock is held while the provider is asked
      const snapshot = await this.provider.setCancelAtPeriodEnd(before.providerSubscriptionId, true);
      return this.dataSource.transaction(async (manager) => {
        const subscription = await this.lockedSubscription(manager, order.id, before.id);
        const endsAt = snapshot?.cancelAt ?? snapshot?.currentPeriodEnd ?? subscription.currentPeriodEnd!;
        if (!subscription.cancelAtPeriodEnd) {
          await manager.update(Subscription, subscription.id, { cancelAtPeriodEnd: true, cancelAt: endsAt });
          await this.audit.record(
            { actor, action: 'subscription.cancellation_scheduled', target: { type: 'subscription', id: subscription.id }, organizationId, details: { orderId: order.id, endsAt } },
            manager,
          );
        }
        const deleteAfter = this.deletionAfter(endsAt);
        await this.confirmByLetter(order, endsAt, deleteAfter, manager);
        return { endsAt, deleteAfter };
      });
    }
    const endsAt = before.cancelAt ?? before.currentPeriodEnd!;
    return { endsAt, deleteAfter: this.deletionAfter(endsAt) };
  }

  /** Takes a scheduled cancellation back before its date: the subscription goes on as before. */
  async withdrawCancellation(organizationId: string, orderId: string, actor: AuditActor): Promise<void> {
    const order = await this.orderOf(organizationId, orderId);
    const before = await this.runningSubscription(order.id);
    if (!before.cancelAtPeriodEnd) return;
    await this.provider.setCancelAtPeriodEnd(before.providerSubscriptionId, false);
    await this.dataSource.transaction(async (manager) => {
      const subscription = await this.lockedSubscription(manager, order.id, before.id);
      if (!subscription.cancelAtPeriodEnd) return;
      await manager.update(Subscription, subscription.id, { cancelAtPeriodEnd: false, cancelAt: null });
      await this.audit.record(
        { actor, action: 'subscription.cancellation_withdrawn', target: { type: 'subscription', id: subscription.id }, organizationId, details: { orderId: order.id } },
        manager,
      );
    });
  }

  /**
   * Switches to another orderable plan with the same apps and the same billing interval and
   * currency, from the next payment on: Stripe charges the new price from the next invoice
   * (nothing prorated), a bank transfer is asked for at the new price. Nothing is deployed
   * differently. Bad input is refused naming the field `plan`.
   */
  async changePlan(organizationId: string, orderId: string, planCode: string, actor: AuditActor): Promise<{ plan: Plan; from: Date | null }> {
    const order = await this.orderOf(organizationId, orderId);
    const current = await this.plans.getById(order.planId);
    const plan = await this.plans.getByCode(planCode).catch(() => null);
    if (!plan || !plan.orderable) throw ValidationFailedError.field('plan', problem<CatalogProblemCode>('plan.not_orderable'));
    if (plan.id === current.id) throw ValidationFailedError.field('plan', problem<BillingProblemCode>('plan.change_same'));
    if (!sameApps(current, plan)) throw ValidationFailedError.field('plan', problem<BillingProblemCode>('plan.change_apps'));
    if (plan.interval !== current.interval || plan.currency !== current.currency) throw ValidationFailedError.field('plan', problem<BillingProblemCode>('plan.change_billing'));
    const before = await this.runningSubscription(order.id);
    if (before.cancelAtPeriodEnd) throw new InvalidStateError('billing.cancellation_scheduled', 'The subscription ends at the end of the period; withdraw the cancellation first');

    await this.provider.changePlan(before.providerSubscriptionId, plan);
    await this.dataSource.transaction(async (manager) => {
      const locked = await manager.findOneOrFail(Order, { where: { id: order.id }, lock: { mode: 'pessimistic_write' } });
      // the order is the club's running contract: its letters and the bank transfer ask for the new price
      await manager.update(Order, locked.id, { planId: plan.id, amountCents: plan.priceCents, currency: plan.currency });
      if (locked.tenantId) await this.tenants.changePlan(locked.tenantId, plan, actor, manager);
      await this.audit.record(
        {
          actor,
          action: 'order.plan_changed',
          target: { type: 'order', id: locked.id },
          organizationId,
          details: { from: current.code, to: plan.code, fromAmountCents: locked.amountCents, toAmountCents: plan.priceCents, effectiveFrom: before.currentPeriodEnd },
        },
        manager,
      );
    });
    return { plan, from: before.currentPeriodEnd };
  }

  /** When the data of a service that ends then is deleted: the lifecycle's retention after the end. */
  deletionAfter(endsAt: Date): Date {
    return new Date(endsAt.getTime() + this.config.lifecycle.retentionDays * 86_400_000);
  }

  private async runningSubscription(orderId: string): Promise<Subscription> {
    const subscription = await this.dataSource.manager.findOne(Subscription, { where: { orderId }, order: { createdAt: 'DESC' } });
    if (!subscription || isFinal(subscription.status) || !RUNNING.has(subscription.status) || !subscription.currentPeriodEnd) {
      throw new InvalidStateError('billing.no_running_subscription', 'This order has no running subscription: nothing is paid for that could end or change');
    }
    return subscription;
  }

  /** The subscription under its order's lock, as payment facts take it; it must still run. */
  private async lockedSubscription(manager: EntityManager, orderId: string, subscriptionId: string): Promise<Subscription> {
    await manager.findOneOrFail(Order, { where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
    const subscription = await manager.findOneOrFail(Subscription, { where: { id: subscriptionId } });
    if (!RUNNING.has(subscription.status)) throw new InvalidStateError('billing.no_running_subscription', 'The subscription ended meanwhile');
    return subscription;
  }

  private async confirmByLetter(order: Order, endsAt: Date, deleteAfter: Date, manager: EntityManager): Promise<void> {
    const organization = await this.organizations.get(order.organizationId, manager);
    const plan = await this.plans.getById(order.planId);
    const values: CancellationLetterValues = {
      club: organization.name,
      plan: plan.name,
      reference: order.reference,
      endsAt: endsAt.toISOString(),
      deleteAfter: deleteAfter.toISOString(),
      link: `${this.config.http.publicUrl}/clubs/${organization.id}`,
    };
    const locale = await this.accounts.localeOf(organization.contactEmail, manager);
    // one letter per scheduled end date: asking twice mails once
    await this.outbox.enqueue(
      { template: CANCELLATION_CONFIRMED_LETTER, to: organization.contactEmail, locale, values, key: `order:${order.id}:cancellation:${values.endsAt}:${organization.contactEmail}` },
      manager,
    );
  }
}

function sameApps(a: Plan, b: Plan): boolean {
  return [...a.apps].sort().join(',') === [...b.apps].sort().join(',');
}

function switchable(current: Plan, candidate: Plan): boolean {
  return candidate.id !== current.id && candidate.orderable && sameApps(current, candidate) && candidate.interval === current.interval && candidate.currency === current.currency;
}
