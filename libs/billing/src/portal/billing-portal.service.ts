import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, Not } from 'typeorm';
import { AuditActor, AuditLog } from '#domain';
import { AccessCheck, AccountsService, type MembershipRole } from '#identity';
import { AppConfig, InvalidStateError, NotFoundError, UnauthenticatedError } from '#platform';
import { Order, Subscription } from '../entities/index.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';

const MAY_MANAGE_BILLING: readonly MembershipRole[] = ['owner', 'billing'];

/** Opens the provider's customer portal (card, invoices, cancellation) for owners and billing members. */
@Injectable()
export class BillingPortalService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly accounts: AccountsService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly access: AccessCheck,
  ) {}

  /** For the API and the club's dashboard: the caller's role was checked by the route guard; `returnUrl` is where Stripe sends them back. */
  async openForOrganization(organizationId: string, actor: AuditActor, returnUrl?: string): Promise<string> {
    const subscription = await this.dataSource.manager.findOne(Subscription, {
      where: { organizationId, provider: this.provider.name, providerCustomerId: Not(IsNull()) },
      order: { createdAt: 'DESC' },
    });
    if (!subscription) throw new InvalidStateError('billing.no_subscription', 'This organization has no paid subscription with the payment provider yet');
    return this.open(subscription, actor, returnUrl);
  }

  /** For the order page, which has no session: the person proves who they are with email and password. */
  async openForOrder(orderId: string, email: string, password: string, address?: string): Promise<string> {
    const account = await this.accounts.authenticate(email, password, address);
    if (!account) throw new UnauthenticatedError('Email or password is wrong');
    const order = await this.dataSource.manager.findOne(Order, { where: { id: orderId } });
    if (!order) throw new NotFoundError('Order');
    await this.access.requireMemberRole(account.id, order.organizationId, MAY_MANAGE_BILLING, 'Order', 'forbidden');
    const subscription = await this.dataSource.manager.findOne(Subscription, { where: { orderId, providerCustomerId: Not(IsNull()) }, order: { createdAt: 'DESC' } });
    if (!subscription) throw new InvalidStateError('billing.no_subscription', 'This order has no paid subscription yet');
    return this.open(subscription, { type: 'account', id: account.id });
  }

  private async open(subscription: Subscription, actor: AuditActor, back?: string): Promise<string> {
    const returnUrl = back ?? `${this.config.http.publicUrl}/order/${subscription.orderId}`;
    const url = await this.provider.openPortal(subscription.providerCustomerId!, returnUrl);
    await this.audit.record({ actor, action: 'billing.portal_opened', target: { type: 'subscription', id: subscription.id }, organizationId: subscription.organizationId });
    return url;
  }
}
