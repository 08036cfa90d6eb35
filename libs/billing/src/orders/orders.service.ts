import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { PlansService, type CatalogProblemCode, type Plan } from '#catalog';
import { AuditActor, AuditLog } from '#domain';
import { AccountsService, OrganizationsService, type IdentityProblemCode, type Organization } from '#identity';
import { AppConfig, DomainError, type FieldProblem, ForbiddenError, inputProblem, NotFoundError, problem, ValidationFailedError } from '#platform';
import { OperationsService, TenantLifecycleService, TenantsService, type Domain, type Operation, type Tenant } from '#provisioning';
import { Order, Subscription } from '../entities/index.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import { OrderLetters } from './order-letters.js';
import type { OrderRequest } from './order-request.js';
import { parsePaymentReference, paymentReference } from './payment-reference.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Everything the status page shows about an order. */
export interface OrderDetails {
  order: Order;
  plan: Plan;
  organization: Organization;
  tenant: Tenant | null;
  domains: Domain[];
  subscription: Subscription | null;
  /** The tenant's newest operation (provisioning progress). */
  operation: Operation | null;
}

/**
 * Orders from the public form: checks everything first, then creates the organization,
 * its owner, the tenant and the order in one transaction, and only then asks the payment
 * provider for a checkout. Bad input creates nothing and charges nothing.
 */
@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
    private readonly organizations: OrganizationsService,
    private readonly tenants: TenantsService,
    private readonly lifecycle: TenantLifecycleService,
    private readonly plans: PlansService,
    private readonly operations: OperationsService,
    private readonly provider: PaymentProvider,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly letters: OrderLetters,
  ) {}

  /** Field -> problem for what only the database can tell: plan, address, email. Empty when all is well. */
  async problems(request: Partial<OrderRequest>): Promise<Record<string, FieldProblem>> {
    const problems: Record<string, FieldProblem> = {};
    if (request.plan !== undefined && !(await this.plans.getByCode(request.plan).then((plan) => plan.orderable, () => false))) {
      problems.plan = problem<CatalogProblemCode>('plan.not_orderable');
    }
    if (request.subdomain !== undefined) {
      const availability = await this.tenants.subdomainAvailability(request.subdomain);
      if (!availability.available) problems.subdomain = availability.reason;
    }
    if (request.customDomain !== undefined) {
      const availability = await this.tenants.customDomainAvailability(request.customDomain);
      if (!availability.available) problems.customDomain = availability.reason;
    }
    if (request.contactEmail !== undefined && !request.ownerAccountId && (await this.accounts.findByEmail(request.contactEmail))) {
      problems.contactEmail = problem<IdentityProblemCode>('email.taken');
    }
    return problems;
  }

  async place(request: OrderRequest): Promise<Order> {
    const problems = await this.problems(request);
    if (Object.keys(problems).length > 0) throw new ValidationFailedError(problems);
    return this.dataSource.transaction(async (manager) => {
      const plan = await this.plans.getByCode(request.plan);
      // the form proves nothing about the address: a link is mailed, and until it is followed the account acts only on this order
      const owner = request.ownerAccountId
        ? await this.verifiedAccount(request.ownerAccountId)
        : await this.accounts
            .create({ email: request.contactEmail, password: request.password, address: 'send', locale: request.locale === 'de' ? 'de' : 'en' }, manager)
            .catch(rename('email', 'contactEmail'));
      const actor: AuditActor = { type: 'account', id: owner.id };
      const organization = await this.organizations.createForOrder(manager, { name: request.clubName, contactEmail: request.contactEmail, ownerAccountId: owner.id }, actor);
      const tenant = await this.tenants
        .create({ organizationId: organization.id, planCode: plan.code, subdomain: request.subdomain, customDomain: request.customDomain }, actor, manager)
        .catch(rename('planCode', 'plan'));
      const now = new Date();
      // last, so the year's counter stays locked only for the rest of this transaction
      const reference = await this.nextReference(manager, now.getUTCFullYear());
      const order = await manager.save(
        manager.create(Order, {
          reference,
          organizationId: organization.id,
          planId: plan.id,
          tenantId: tenant.id,
          state: 'pending_payment',
          paymentProvider: this.provider.name,
          amountCents: plan.priceCents,
          currency: plan.currency,
          termsVersion: this.config.billing.terms.version,
          dpaVersion: this.config.billing.dpa.version,
          termsAcceptedAt: now,
        }),
      );
      await this.audit.record(
        {
          actor,
          action: 'order.placed',
          target: { type: 'order', id: order.id },
          organizationId: organization.id,
          details: { reference, plan: plan.code, amountCents: plan.priceCents, currency: plan.currency, provider: this.provider.name, termsVersion: order.termsVersion, dpaVersion: order.dpaVersion, acceptedAt: now },
        },
        manager,
      );
      await this.letters.orderPlaced(order, manager);
      return order;
    });
  }

  /** An account that orders while logged in: it must exist, be active and have proven its address. */
  private async verifiedAccount(accountId: string) {
    const account = await this.accounts.findById(accountId);
    if (!account || account.disabledAt) throw new NotFoundError('Account', accountId);
    if (!account.emailVerifiedAt) throw new ForbiddenError('Confirm your email address before ordering another plan');
    if (account.isOperator) throw new ForbiddenError('Operator accounts cannot own clubs');
    return account;
  }

  /**
   * The next payment reference of the year, in the order's transaction. The year's counter row
   * is taken with a row lock (an upsert): concurrent orders wait for each other's commit, so no
   * number is given twice, none is skipped, and an order that rolls back gives its number back.
   * (A sequence would not lock, but it cannot start again each year and loses numbers on rollback.)
   */
  private async nextReference(manager: EntityManager, year: number): Promise<string> {
    const [row]: { last_number: number }[] = await manager.query(
      `insert into order_reference_counter (year, last_number) values ($1, 1)
       on conflict (year) do update set last_number = order_reference_counter.last_number + 1
       returning last_number`,
      [year],
    );
    return paymentReference(year, row.last_number);
  }

  /** The id of the order an id or a payment reference (as copied from a bank statement) names. */
  async idOf(idOrReference: string, field = 'orderId'): Promise<string> {
    if (UUID.test(idOrReference)) return idOrReference.toLowerCase();
    const reference = parsePaymentReference(idOrReference);
    if (!reference) throw ValidationFailedError.field(field, inputProblem('must be an order id (a UUID) or a payment reference like AM-2026-0042'));
    const order = await this.dataSource.manager.findOne(Order, { where: { reference }, select: { id: true } });
    if (!order) throw new NotFoundError('Order', reference);
    return order.id;
  }

  /** Where to send the person to pay: a new or still open checkout, else the order page. */
  async startPayment(orderId: string): Promise<string> {
    const order = await this.dataSource.manager.findOne(Order, { where: { id: orderId } });
    if (!order) throw new NotFoundError('Order');
    const statusUrl = this.statusUrl(order.id);
    if (order.state !== 'pending_payment') return statusUrl;
    if (order.checkoutSessionId) return (await this.provider.resumeCheckout(order.checkoutSessionId)) ?? statusUrl;

    const [plan, organization] = await Promise.all([this.plans.getById(order.planId), this.organizations.get(order.organizationId)]);
    const start = await this.provider.startCheckout({
      orderId: order.id,
      organizationId: order.organizationId,
      email: organization.contactEmail,
      plan,
      orderUrl: statusUrl,
      successUrl: `${statusUrl}?checkout=success`,
      cancelUrl: `${statusUrl}?checkout=canceled`,
    });
    await this.dataSource.transaction(async (manager) => {
      if (start.sessionId) await manager.update(Order, order.id, { checkoutSessionId: start.sessionId });
      if (order.tenantId) {
        await this.lifecycle.transition(order.tenantId, 'checkout_started', { type: 'system', id: 'orders' }, { manager, ifAllowed: true, details: { provider: this.provider.name } });
      }
    });
    return start.url;
  }

  async details(orderId: string): Promise<OrderDetails> {
    const manager = this.dataSource.manager;
    const order = await manager.findOne(Order, { where: { id: orderId } });
    if (!order) throw new NotFoundError('Order');
    const [plan, organization, tenant, subscription] = await Promise.all([
      this.plans.getById(order.planId),
      this.organizations.get(order.organizationId),
      order.tenantId ? this.tenants.find(order.tenantId) : null,
      manager.findOne(Subscription, { where: { orderId: order.id }, order: { createdAt: 'DESC' } }),
    ]);
    const [domains, operation] = tenant ? await Promise.all([this.tenants.domains(tenant.id), this.operations.latestFor(tenant.id)]) : [[], null];
    return { order, plan, organization, tenant, domains, subscription, operation };
  }

  /** Orders of one organization with their subscriptions, newest first. */
  async listForOrganization(organizationId: string) {
    return this.withSubscriptions(await this.dataSource.manager.find(Order, { where: { organizationId }, order: { createdAt: 'DESC' } }));
  }

  statusUrl(orderId: string): string {
    return `${this.config.http.publicUrl}/order/${orderId}`;
  }

  private async withSubscriptions(orders: Order[]) {
    const subscriptions = orders.length ? await this.dataSource.manager.find(Subscription, { where: { orderId: In(orders.map((o) => o.id)) } }) : [];
    return orders.map((order) => {
      const subscription = subscriptions.find((s) => s.orderId === order.id);
      return {
        ...order,
        subscription: subscription
          ? { id: subscription.id, status: subscription.status, currentPeriodEnd: subscription.currentPeriodEnd, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, cancelAt: subscription.cancelAt }
          : null,
      };
    });
  }
}

/** Another lib's error names its own field; the form's field has another name. */
function rename(from: string, to: string) {
  return (error: unknown): never => {
    if (error instanceof DomainError && error.fields?.[from] !== undefined) {
      const { [from]: problem, ...rest } = error.fields;
      throw new DomainError(error.kind, error.code, error.message, { ...rest, [to]: problem });
    }
    throw error;
  };
}
