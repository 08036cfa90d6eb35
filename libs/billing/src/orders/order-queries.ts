import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { PlansService } from '#catalog';
import { OrganizationsService } from '#identity';
import { cursorTimeSql, type Page, type PageRequest, pageOf } from '#platform';
import { Order, type OrderState, type PaymentProviderName, Subscription, type SubscriptionStatus } from '../entities/index.js';

/** (created_at, id) of the last order seen, as the cursor carries it. */
export type OrderKey = [string, string];

export interface OrderListFilter {
  state?: OrderState;
  provider?: PaymentProviderName;
  /** A payment reference, as normalised by parsePaymentReference. */
  reference?: string;
}

/** An order in the operators' list: the order, its subscription, and who and what it is for (to match a transfer by). */
export type OperatorOrderRow = Order & {
  subscription: { id: string; status: SubscriptionStatus; currentPeriodEnd: Date | null; cancelAtPeriodEnd: boolean; cancelAt: Date | null } | null;
  club: string | null;
  contactEmail: string | null;
  plan: string | null;
};

/**
 * Why money is awaited: `first` an order waiting for its first bank transfer; `renewal` a paid
 * period that ended without the next transfer recorded (an operator may mark it overdue);
 * `overdue` already marked overdue (past due, the grace period runs).
 */
export type PaymentDue = 'first' | 'renewal' | 'overdue';

/** A row of the console's "awaiting payment": everything needed to match a bank transfer and act on it. */
export interface AwaitingPaymentRow {
  id: string;
  reference: string;
  state: OrderState;
  club: { id: string; name: string } | null;
  contactEmail: string | null;
  plan: { code: string; name: string } | null;
  tenantId: string | null;
  amountCents: number;
  currency: string;
  createdAt: Date;
  due: PaymentDue;
  /** The end of the last paid period (renewals and overdue ones). */
  periodEnd: Date | null;
  subscriptionStatus: SubscriptionStatus | null;
}

/**
 * Operators' reads of every club's orders, a keyset page at a time along an index (see the
 * migration ConsoleIndexes): the order list of the API, and the bank transfers awaited.
 */
@Injectable()
export class OrderQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationsService,
    private readonly plans: PlansService,
  ) {}

  /** An order's payment reference (what operators and clubs call it), or null when there is no such order. */
  async referenceOf(orderId: string): Promise<string | null> {
    const order = await this.dataSource.manager.findOne(Order, { where: { id: orderId }, select: { id: true, reference: true } });
    return order?.reference ?? null;
  }

  /** Orders by state, provider or reference, newest first, each with its subscription, club, contact and plan. */
  async list(filter: OrderListFilter, request: PageRequest<OrderKey>): Promise<Page<OperatorOrderRow>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Order, 'o')
      .addSelect(cursorTimeSql('o.created_at'), 'cursor_at')
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(request.limit + 1);
    if (filter.state) query.andWhere('o.state = :state', { state: filter.state });
    if (filter.provider) query.andWhere('o.payment_provider = :provider', { provider: filter.provider });
    if (filter.reference !== undefined) query.andWhere('o.reference = :reference', { reference: filter.reference });
    if (request.after) query.andWhere('(o.created_at, o.id) < (:at::timestamptz, :id::uuid)', { at: request.after[0], id: request.after[1] });
    const { entities, raw } = await query.getRawAndEntities<{ o_id: string; cursor_at: string }>();
    const cursorOf = new Map(raw.map((row) => [row.o_id, row.cursor_at]));
    const page = pageOf(entities, request.limit, (order) => [cursorOf.get(order.id)!, order.id]);
    const orders = page.items;
    const [subscriptions, clubs, plans] = await Promise.all([
      orders.length ? this.dataSource.manager.find(Subscription, { where: { orderId: In(orders.map((order) => order.id)) } }) : [],
      this.organizations.byIds(orders.map((order) => order.organizationId)),
      this.plans.byIds(orders.map((order) => order.planId)),
    ]);
    return {
      nextCursor: page.nextCursor,
      items: orders.map((order) => {
        const subscription = subscriptions.find((candidate) => candidate.orderId === order.id);
        const club = clubs.get(order.organizationId);
        return {
          ...order,
          subscription: subscription
            ? { id: subscription.id, status: subscription.status, currentPeriodEnd: subscription.currentPeriodEnd, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, cancelAt: subscription.cancelAt }
            : null,
          club: club?.name ?? null,
          contactEmail: club?.contactEmail ?? null,
          plan: plans.get(order.planId)?.name ?? null,
        };
      }),
    };
  }

  /**
   * Bank transfers awaited, newest order first: orders waiting for their first transfer, and
   * paid orders whose period ended without the next one (or marked overdue). Two index reads of
   * at most a page each (the waiting orders along (state, provider, created_at); the due
   * subscriptions along (provider, status, current_period_end)), merged.
   */
  async awaitingPayment(request: PageRequest<OrderKey>, now = new Date()): Promise<Page<AwaitingPaymentRow>> {
    const query = awaitingPaymentSql(request.after, request.limit, now);
    const rows: {
      id: string; reference: string; state: OrderState; organization_id: string; plan_id: string; tenant_id: string | null; amount_cents: number; currency: string;
      created_at: Date; cursor_at: string; due: PaymentDue; period_end: Date | null; subscription_status: SubscriptionStatus | null;
    }[] = await this.dataSource.query(query.text, query.params);
    const page = pageOf(rows, request.limit, (row) => [row.cursor_at, row.id]);
    const [clubs, plans] = await Promise.all([this.organizations.byIds(page.items.map((row) => row.organization_id)), this.plans.byIds(page.items.map((row) => row.plan_id))]);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((row) => {
        const club = clubs.get(row.organization_id);
        const plan = plans.get(row.plan_id);
        return {
          id: row.id,
          reference: row.reference,
          state: row.state,
          club: club ? { id: club.id, name: club.name } : null,
          contactEmail: club?.contactEmail ?? null,
          plan: plan ? { code: plan.code, name: plan.name } : null,
          tenantId: row.tenant_id,
          amountCents: row.amount_cents,
          currency: row.currency,
          createdAt: row.created_at,
          due: row.due,
          periodEnd: row.period_end,
          subscriptionStatus: row.subscription_status,
        };
      }),
    };
  }
}

/**
 * The SQL of a page of awaited bank transfers (limit + 1 rows), newest order first: orders
 * waiting for their first transfer (along the (state, provider, created_at) index) and paid
 * manual orders whose subscription is due (along the same index, each order's subscription by
 * its order id), merged. Both arms stop after a page's worth of rows, so a page reads about
 * `limit / share of paid orders that are due` rows however many orders there are. Values are parameters.
 */
export function awaitingPaymentSql(after: OrderKey | null, limit: number, now: Date): { text: string; params: unknown[] } {
  const params: unknown[] = [limit + 1, now, ...(after ?? [])];
  const keyset = after ? `and (o.created_at, o.id) < ($3::timestamptz, $4::uuid)` : '';
  const columns = `o.id, o.reference, o.state, o.organization_id, o.plan_id, o.tenant_id, o.amount_cents, o.currency, o.created_at, ${cursorTimeSql('o.created_at')} as cursor_at`;
  return {
    text: `select * from (
         (select ${columns}, 'first' as due, null::timestamptz as period_end, null::varchar as subscription_status
            from "order" o
           where o.state = 'pending_payment' and o.payment_provider = 'manual' ${keyset}
           order by o.created_at desc, o.id desc
           limit $1)
         union all
         (select ${columns}, case when s.status in ('past_due', 'unpaid') then 'overdue' else 'renewal' end as due, s.current_period_end as period_end, s.status as subscription_status
            from "order" o
            -- lateral with a limit: each order (in index order) looks up its own subscription, and the scan stops after a page
            cross join lateral (
              select s.status, s.current_period_end from subscription s
               where s.order_id = o.id and s.provider = 'manual'
                 and (s.status in ('past_due', 'unpaid') or (s.status in ('active', 'trialing') and s.current_period_end < $2))
               limit 1) s
           where o.state = 'paid' and o.payment_provider = 'manual' ${keyset}
           order by o.created_at desc, o.id desc
           limit $1)
       ) awaited
       order by created_at desc, id desc
       limit $1`,
    params,
  };
}
