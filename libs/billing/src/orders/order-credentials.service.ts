import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Membership, Order } from '#domain';
import { AccountsService } from '#identity';
import { ForbiddenError, InvalidStateError, NotFoundError, UnauthenticatedError } from '#platform';
import { AdminCredentialsService, type RevealedCredential } from '#provisioning';

/** The status page's way to the admin logins, for owners without an API token: email and password, then once. */
@Injectable()
export class OrderCredentialsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
    private readonly credentials: AdminCredentialsService,
  ) {}

  async revealForOrder(orderId: string, email: string, password: string): Promise<RevealedCredential[]> {
    const account = await this.accounts.authenticate(email, password);
    if (!account) throw new UnauthenticatedError('Email or password is wrong');
    const order = await this.dataSource.manager.findOne(Order, { where: { id: orderId } });
    if (!order) throw new NotFoundError('Order');
    const membership = await this.dataSource.manager.findOne(Membership, { where: { organizationId: order.organizationId, accountId: account.id } });
    if (membership?.role !== 'owner') throw new ForbiddenError('Only an owner of the club can see the admin logins');
    if (!order.tenantId) throw new InvalidStateError('credentials.not_ready', 'This order has no instance yet');
    return this.credentials.reveal(order.tenantId, { type: 'account', id: account.id });
  }
}
