import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PlansService } from '#catalog';
import { AccountsService, MailOutbox, OrganizationsService } from '#identity';
import { AppConfig } from '#platform';
import { type TenantTransition, TenantTransitionHooks, TenantsService } from '#provisioning';
import { Order } from '../entities/index.js';

// Letters about a club's order, its payments and its instance; the storefront writes their words.
// Each is queued in the transaction of the change it tells about, with a natural key, so it is
// sent exactly when that change commits, and once.

/** The order is placed: what was ordered, the price, how to pay (bank details and reference), the order page. */
export const ORDER_CONFIRMATION_LETTER = 'billing.order_confirmation';
/** To operators: a new order to be paid by bank transfer, with what they match the payment by. */
export const BANK_TRANSFER_ORDER_LETTER = 'billing.bank_transfer_order';
/** A payment arrived: the first one (setting up starts), one for the next period (bank transfer), or one that settles a lapse. */
export const PAYMENT_RECEIVED_LETTER = 'billing.payment_received';
/** The instance is set up: its address, and where the admin logins are shown once. */
export const INSTANCE_READY_LETTER = 'billing.instance_ready';
/** A payment failed (card) or is overdue (bank transfer): the grace period runs until `date`. */
export const PAYMENT_FAILED_LETTER = 'billing.payment_failed';
/** The grace period ended unpaid: the instance is stopped, the data kept. */
export const SUSPENDED_LETTER = 'billing.suspended';
/** Paid again after a suspension: the instance runs again. */
export const RESUMED_LETTER = 'billing.resumed';

export type BillingLetterTemplate =
  | typeof ORDER_CONFIRMATION_LETTER
  | typeof BANK_TRANSFER_ORDER_LETTER
  | typeof PAYMENT_RECEIVED_LETTER
  | typeof INSTANCE_READY_LETTER
  | typeof PAYMENT_FAILED_LETTER
  | typeof SUSPENDED_LETTER
  | typeof RESUMED_LETTER;

/** The facts every billing letter may use; the storefront formats amounts and dates in the letter's language. */
export interface OrderLetterValues extends Record<string, string> {
  club: string;
  contactEmail: string;
  orderId: string;
  /** AM-2026-0042 */
  reference: string;
  /** The plan's name in the letter's language, and its apps' ids comma-separated. */
  plan: string;
  apps: string;
  /** The price as the plan states it, in minor units, per interval (month, year). */
  amountCents: string;
  currency: string;
  interval: string;
  /** Whether the plan's price includes VAT: included or excluded. */
  vat: string;
  /** stripe or manual (bank transfer). */
  provider: string;
  /** The cooperative's bank details (ALLMENDE_BANK_ACCOUNT), or "" when not configured. */
  bankAccount: string;
  /** https://name.base, or "" when the tenant has no address (yet). */
  address: string;
  /** The order status page. */
  link: string;
  /** Operators: the order in the API. */
  apiLink: string;
  /** ISO time: payment failed: end of the grace period; payment received (renewed): paid until; otherwise "". */
  date: string;
  /** payment received: setup (the first payment), renewed (the next period) or settled (a lapse paid). */
  next: string;
}

/** Tenant events that a club hears about, by letter. */
const LETTER_FOR_EVENT: Partial<Record<TenantTransition['event'], BillingLetterTemplate>> = {
  provisioned: INSTANCE_READY_LETTER,
  payment_failed: PAYMENT_FAILED_LETTER,
  grace_expired: SUSPENDED_LETTER,
};

/** Queues the letters of billing: to the club's contact in its account's language, to operators in theirs. */
@Injectable()
export class OrderLetters implements OnModuleInit {
  constructor(
    private readonly outbox: MailOutbox,
    private readonly accounts: AccountsService,
    private readonly organizations: OrganizationsService,
    private readonly plans: PlansService,
    private readonly tenants: TenantsService,
    private readonly transitions: TenantTransitionHooks,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.transitions.register((transition, manager) => this.tenantTransitioned(transition, manager));
  }

  /** The order is placed (in its transaction): the confirmation to the club, and for a bank transfer the operators' notice. */
  async orderPlaced(order: Order, manager: EntityManager): Promise<void> {
    await this.toClub(ORDER_CONFIRMATION_LETTER, order, {}, `order:${order.id}:confirmation`, manager);
    if (order.paymentProvider !== 'manual') return;
    for (const { email, locale } of await this.accounts.operatorRecipients()) {
      const values = await this.valuesOf(order, locale, manager);
      await this.outbox.enqueue({ template: BANK_TRANSFER_ORDER_LETTER, to: email, locale, values, key: `order:${order.id}:bank_transfer_order:${email}` }, manager);
    }
  }

  /** The order's first payment arrived (in the transaction that marks it paid). */
  async firstPaymentReceived(order: Order, manager: EntityManager): Promise<void> {
    await this.toClub(PAYMENT_RECEIVED_LETTER, order, { next: 'setup' }, `order:${order.id}:paid`, manager);
  }

  /** A bank transfer paid the next period while the subscription was in good standing (in the transaction that records it). */
  async paymentRenewed(order: Order, paidUntil: Date, manager: EntityManager): Promise<void> {
    // the period paid for names the payment: recording it twice is one payment
    await this.toClub(PAYMENT_RECEIVED_LETTER, order, { next: 'renewed', date: paidUntil.toISOString() }, `order:${order.id}:paid-until:${paidUntil.toISOString()}`, manager);
  }

  /** The letter a tenant's state change owes its club, if any (a hook of TenantLifecycleService, in its transaction). */
  async tenantTransitioned({ tenant, from, event }: TenantTransition, manager: EntityManager): Promise<void> {
    let template = LETTER_FOR_EVENT[event];
    let next = '';
    if (event === 'payment_received') [template, next] = from === 'suspended' ? [RESUMED_LETTER, ''] : [PAYMENT_RECEIVED_LETTER, 'settled'];
    if (!template) return;
    // tenants an operator created have no order: nothing to tell by these letters
    const order = await manager.findOne(Order, { where: { tenantId: tenant.id }, order: { createdAt: 'DESC' } });
    if (!order) return;
    const date = event === 'payment_failed' ? (tenant.graceEndsAt?.toISOString() ?? '') : '';
    // each change of state is its own news: the key names the moment the tenant changed
    await this.toClub(template, order, { date, next }, `tenant:${tenant.id}:${event}:${tenant.stateChangedAt.toISOString()}`, manager);
  }

  /** To the club's contact address, in the language of its account. */
  private async toClub(template: BillingLetterTemplate, order: Order, extra: { date?: string; next?: string }, key: string, manager: EntityManager): Promise<void> {
    const { contactEmail } = await this.organizations.get(order.organizationId, manager);
    const locale = await this.accounts.localeOf(contactEmail, manager);
    const base = await this.valuesOf(order, locale, manager);
    const values: OrderLetterValues = { ...base, date: extra.date ?? base.date, next: extra.next ?? base.next };
    await this.outbox.enqueue({ template, to: contactEmail, locale, values, key: `${key}:${contactEmail}` }, manager);
  }

  private async valuesOf(order: Order, locale: string, manager: EntityManager): Promise<OrderLetterValues> {
    // one after the other: a transaction's queries share one connection
    const organization = await this.organizations.get(order.organizationId, manager);
    const plan = await this.plans.getById(order.planId);
    const domains = order.tenantId ? await this.tenants.domains(order.tenantId, manager) : [];
    const port = this.config.edge.httpsPort;
    const primary = domains.find((domain) => domain.isPrimary) ?? domains[0];
    const link = `${this.config.http.publicUrl}/order/${order.id}`;
    return {
      club: organization.name,
      contactEmail: organization.contactEmail,
      orderId: order.id,
      reference: order.reference,
      plan: plan.translations?.[locale]?.name ?? plan.name,
      apps: plan.apps.join(','),
      amountCents: String(order.amountCents),
      currency: order.currency,
      interval: plan.interval,
      vat: plan.vatIncluded === false ? 'excluded' : 'included',
      provider: order.paymentProvider,
      bankAccount: this.config.billing.bankAccount ?? '',
      address: primary ? `https://${primary.name}${port !== 443 ? `:${port}` : ''}` : '',
      link,
      // the operator's page to record the transfer on
      apiLink: `${this.config.http.publicUrl}/console/orders`,
      date: '',
      next: '',
    };
  }
}
