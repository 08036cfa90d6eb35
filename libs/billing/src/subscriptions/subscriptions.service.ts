import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, AuditLog } from '#domain';
import { ManualPaymentRequest, Order, Subscription } from '../entities/index.js';
import { PlansService } from '#catalog';
import { OrganizationsService } from '#identity';
import { TenantLifecycleService, TenantsService } from '#provisioning';
import { ConflictError, DomainError, inputProblem, InvalidStateError, NotFoundError, ValidationFailedError } from '#platform';
import type { CheckoutExpiredFact, PaymentFact, SubscriptionFact, SubscriptionSnapshot } from '../payments/payment-facts.js';
import { compareFactTime, isFinal, type ManualRefusal, type ManualRequest, manualPaymentDecision, orderStateFor, tenantEventFor } from './billing-decisions.js';
import { OrderLetters } from '../orders/order-letters.js';
import { type ManualPaymentAnswer, subscriptionView } from './subscription-view.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The answer to an operator's bank-transfer request, and whether it is a replay of an earlier one. */
export interface ManualRecording {
  answer: ManualPaymentAnswer;
  replayed: boolean;
}

/**
 * Two events about one subscription carry the same second and disagree: the provider must say
 * which is current. Raised inside the order's transaction so it rolls back; the caller asks the
 * provider with no lock held and applies the fact again with the answer.
 */
export class ProviderStateNeeded extends Error {
  override readonly name = 'ProviderStateNeeded';
  constructor(readonly subscriptionId: string) {
    super(`the provider's current state of subscription ${subscriptionId} is needed`);
  }
}

/**
 * Turns payment facts into subscription rows, order states and tenant lifecycle steps.
 * Everything for one order happens under that order's row lock, so facts about the same
 * order are applied one at a time, whichever worker got them.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lifecycle: TenantLifecycleService,
    private readonly audit: AuditLog,
    private readonly tenants: TenantsService,
    private readonly plans: PlansService,
    private readonly organizations: OrganizationsService,
    private readonly letters: OrderLetters,
  ) {}

  /**
   * Applies one fact inside the caller's transaction. Returns false when the fact is not about
   * any order of ours. Throws ProviderStateNeeded (see there) unless `snapshot` answers it.
   */
  async apply(fact: PaymentFact, actor: AuditActor, manager: EntityManager, snapshot?: SubscriptionSnapshot | null): Promise<boolean> {
    if (fact.kind === 'checkout_expired') return this.expireCheckout(fact, actor, manager);
    const order = await this.lockOrder(manager, fact.orderId, fact);
    if (!order) {
      this.logger.warn(`${fact.source}: subscription ${fact.subscriptionId} belongs to no order here; ignored`);
      return false;
    }
    const subscription = await this.record(manager, order, fact, actor, snapshot);
    await this.settleOrder(manager, order, subscription, actor, fact.at);
    await this.converge(manager, order, subscription, actor, fact.source);
    return true;
  }

  /** Brings the order's tenant in line with its subscription again (the sweeper's safety net). */
  async reconcile(orderId: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const order = await manager.findOne(Order, { where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
      const subscription = order && (await manager.findOne(Subscription, { where: { orderId }, order: { createdAt: 'DESC' } }));
      if (order && subscription) await this.converge(manager, order, subscription, actor, 'reconcile');
    });
  }

  /**
   * An operator records a bank transfer (or its absence, or the end) for a manually billed
   * order. Idempotent: what the request does is decided by manualPaymentDecision under the
   * order's row lock (so concurrent repeats are applied one after the other, and all but the
   * first find nothing left to do); with an idempotency key, a repeat gets the first answer.
   */
  async recordManual(orderId: string, request: ManualRequest, actor: AuditActor, idempotencyKey?: string): Promise<ManualRecording> {
    const unlocked = await this.dataSource.manager.findOne(Order, { where: { id: orderId } });
    if (!unlocked) throw new NotFoundError('Order', orderId);
    const plan = await this.plans.getById(unlocked.planId);
    const fingerprint = `${request.outcome}|${request.periodEnd?.toISOString() ?? 'due'}`;
    return this.dataSource.transaction(async (manager) => {
      const order = await manager.findOne(Order, { where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
      if (!order) throw new NotFoundError('Order', orderId);
      if (order.paymentProvider !== 'manual') {
        throw new InvalidStateError('billing.not_manual', 'This order is paid through Stripe; its payments are recorded by Stripe, not by hand');
      }
      if (idempotencyKey !== undefined) {
        const earlier = await manager.findOne(ManualPaymentRequest, { where: { orderId, idempotencyKey } });
        if (earlier && earlier.fingerprint !== fingerprint) {
          throw new ConflictError(
            'billing.idempotency_key_reused',
            `This Idempotency-Key was already used on this order for another request (${describeRequest(earlier.fingerprint)}); send a new key with a new request`,
          );
        }
        if (earlier) return { answer: earlier.response as unknown as ManualPaymentAnswer, replayed: true };
      }

      const subscriptionId = `manual_${order.id}`;
      const current = await manager.findOne(Subscription, { where: { provider: 'manual', providerSubscriptionId: subscriptionId } });
      const now = new Date();
      const decision = manualPaymentDecision(current, order.state, request, now, plan.interval);
      if (decision.kind === 'refused') throw refusal(decision.reason);
      if (decision.kind === 'record') {
        const fact: SubscriptionFact = {
          kind: 'subscription',
          provider: 'manual',
          orderId: order.id,
          subscriptionId,
          customerId: null,
          status: decision.status,
          currentPeriodEnd: decision.currentPeriodEnd,
          cancelAtPeriodEnd: false,
          at: now,
          source: `operator:${request.outcome}`,
        };
        await this.apply(fact, actor, manager, null); // for bank transfers our database is the record
        // a transfer for the next period while all is well: a receipt (a lapse paid, or the first payment, has its own letter)
        if (request.outcome === 'paid' && current && ['active', 'trialing'].includes(current.status) && decision.currentPeriodEnd) {
          await this.letters.paymentRenewed(order, decision.currentPeriodEnd, manager);
        }
      }
      const subscription = await manager.findOneOrFail(Subscription, { where: { provider: 'manual', providerSubscriptionId: subscriptionId } });
      const answer: ManualPaymentAnswer = { orderId: order.id, subscription: subscriptionView(subscription) };
      if (idempotencyKey !== undefined) {
        await manager.save(manager.create(ManualPaymentRequest, { orderId: order.id, idempotencyKey, fingerprint, response: answer as unknown as Record<string, unknown> }));
      }
      return { answer, replayed: false };
    });
  }

  /** The order the fact is about, locked: by the order id it carries, else through the stored subscription. */
  private async lockOrder(manager: EntityManager, orderId: string | null, fact?: SubscriptionFact): Promise<Order | null> {
    let id = orderId && UUID.test(orderId) ? orderId : null;
    if (!id && fact) {
      const known = await manager.findOne(Subscription, { where: { provider: fact.provider, providerSubscriptionId: fact.subscriptionId } });
      id = known?.orderId ?? null;
    }
    if (!id) return null;
    return manager.findOne(Order, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Stores the fact on the subscription unless newer state is already there. */
  private async record(manager: EntityManager, order: Order, fact: SubscriptionFact, actor: AuditActor, snapshot: SubscriptionSnapshot | null | undefined): Promise<Subscription> {
    const existing = await manager.findOne(Subscription, { where: { provider: fact.provider, providerSubscriptionId: fact.subscriptionId } });
    if (!existing) {
      const created = await manager.save(
        manager.create(Subscription, {
          organizationId: order.organizationId,
          tenantId: order.tenantId,
          orderId: order.id,
          provider: fact.provider,
          providerCustomerId: fact.customerId,
          providerSubscriptionId: fact.subscriptionId,
          status: fact.status,
          currentPeriodEnd: fact.currentPeriodEnd,
          cancelAtPeriodEnd: fact.cancelAtPeriodEnd ?? false,
          cancelAt: fact.cancelAt ?? null,
          providerStateAt: fact.at,
        }),
      );
      await this.auditStatus(manager, created, null, actor, fact.source);
      return created;
    }

    const before = existing.status;
    const when = compareFactTime(fact.at, existing.providerStateAt);
    if (!isFinal(existing.status) && when !== 'older') {
      let state: SubscriptionSnapshot | SubscriptionFact = fact;
      // two events in the same second that disagree: ask the provider which is current
      if (when === 'same' && fact.status !== existing.status) {
        if (snapshot === undefined) throw new ProviderStateNeeded(fact.subscriptionId);
        state = snapshot ?? fact;
      }
      existing.status = state.status;
      if (state.currentPeriodEnd) existing.currentPeriodEnd = state.currentPeriodEnd;
      if (state.cancelAtPeriodEnd !== null) existing.cancelAtPeriodEnd = state.cancelAtPeriodEnd;
      if (state.cancelAt !== undefined) existing.cancelAt = state.cancelAt;
      existing.providerStateAt = fact.at;
    }
    existing.providerCustomerId ??= fact.customerId;
    await manager.save(existing);
    if (existing.status !== before) await this.auditStatus(manager, existing, before, actor, fact.source);
    return existing;
  }

  private async settleOrder(manager: EntityManager, order: Order, subscription: Subscription, actor: AuditActor, at: Date): Promise<void> {
    const next = orderStateFor(order.state, subscription.status);
    // a Stripe subscription exists only once its first invoice was paid, even if it has ended since
    const paid = next === 'paid' || (subscription.provider === 'stripe' && next === 'canceled');
    if (next === order.state && (!paid || order.paidAt)) return;
    const from = order.state;
    order.state = next;
    if (paid) order.paidAt ??= at;
    await manager.update(Order, order.id, { state: order.state, paidAt: order.paidAt });
    // paying makes the club a customer: from now on it may invite people
    if (paid) await this.organizations.confirm(order.organizationId, manager);
    if (from === 'pending_payment' && next === 'paid') await this.letters.firstPaymentReceived(order, manager);
    await this.audit.record(
      { actor, action: `order.${next}`, target: { type: 'order', id: order.id }, organizationId: order.organizationId, details: { from, subscriptionStatus: subscription.status } },
      manager,
    );
  }

  private async converge(manager: EntityManager, order: Order, subscription: Subscription, actor: AuditActor, source: string): Promise<void> {
    if (!order.tenantId) return;
    let tenant = await this.tenants.find(order.tenantId, manager);
    // at most two steps (provision, then terminate) bring a tenant in line
    for (let step = 0; tenant && step < 2; step++) {
      const event = tenantEventFor(tenant.state, subscription.status, order.paidAt !== null);
      if (!event) return;
      const result = await this.lifecycle.transition(tenant.id, event, actor, {
        manager,
        ifAllowed: true,
        reason: source,
        details: { orderId: order.id, subscriptionStatus: subscription.status },
      });
      if (!result.changed) return;
      tenant = result.tenant;
    }
  }

  private async expireCheckout(fact: CheckoutExpiredFact, actor: AuditActor, manager: EntityManager): Promise<boolean> {
    const order = await this.lockOrder(manager, fact.orderId);
    if (!order) return false;
    // a paid order stays paid, whatever happened to an earlier checkout attempt
    if (order.state !== 'pending_payment' || (await manager.exists(Subscription, { where: { orderId: order.id } }))) return true;
    await manager.update(Order, order.id, { state: 'expired' });
    await this.audit.record({ actor, action: 'order.expired', target: { type: 'order', id: order.id }, organizationId: order.organizationId, details: { source: fact.source } }, manager);
    if (order.tenantId) await this.lifecycle.transition(order.tenantId, 'order_abandoned', actor, { manager, ifAllowed: true, reason: fact.source });
    return true;
  }

  private async auditStatus(manager: EntityManager, subscription: Subscription, from: string | null, actor: AuditActor, source: string): Promise<void> {
    await this.audit.record(
      {
        actor,
        action: `subscription.${subscription.status}`,
        target: { type: 'subscription', id: subscription.id },
        organizationId: subscription.organizationId,
        details: { from, source, orderId: subscription.orderId, currentPeriodEnd: subscription.currentPeriodEnd },
      },
      manager,
    );
  }
}

function refusal(reason: ManualRefusal): DomainError {
  switch (reason) {
    case 'subscription_ended':
      return new InvalidStateError('billing.subscription_ended', 'This subscription has ended; the club has to order again');
    case 'order_expired':
      return new InvalidStateError('billing.order_expired', 'This order has expired; the club has to order again');
    case 'never_paid':
      return new InvalidStateError('billing.never_paid', 'This order was never paid, so nothing can be overdue; cancel it instead');
    case 'period_over':
      return ValidationFailedError.field('periodEnd', inputProblem('must be in the future (the end of the period this transfer pays)'));
  }
}

/** A stored fingerprint ("paid|due", "paid|2027-01-31T00:00:00.000Z") in words. */
function describeRequest(fingerprint: string): string {
  const [outcome, period] = fingerprint.split('|');
  return period === 'due' ? `outcome ${outcome}` : `outcome ${outcome}, periodEnd ${period}`;
}
