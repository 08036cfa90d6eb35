import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { OrderState } from '../entities/index.js';
import { actorOf, CurrentPrincipal, OperatorOnly, OrganizationRoles, type Principal, RequireScopes } from '#identity';
import { ParseUuidPipe, problem, ValidationFailedError } from '#platform';
import type { BillingProblemCode } from '../problems.js';
import { BillingPortalService } from '../portal/billing-portal.service.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { OrdersService } from './orders.service.js';
import { ManualPaymentInput } from './billing.dto.js';

const ORDER_STATES: OrderState[] = ['pending_payment', 'paid', 'canceled', 'expired'];

@ApiTags('billing')
@ApiBearerAuth()
@Controller('api/v1')
export class BillingController {
  constructor(
    private readonly orders: OrdersService,
    private readonly subscriptions: SubscriptionsService,
    private readonly portal: BillingPortalService,
  ) {}

  @Get('organizations/:orgId/orders')
  @RequireScopes('billing:read')
  @OrganizationRoles('owner', 'billing')
  @ApiOperation({ summary: "The organization's orders with their subscriptions (owners, billing members)" })
  organizationOrders(@Param('orgId', ParseUuidPipe) orgId: string) {
    return this.orders.listForOrganization(orgId);
  }

  @Post('organizations/:orgId/billing-portal')
  @RequireScopes('billing:write')
  @OrganizationRoles('owner', 'billing')
  @ApiOperation({ summary: "A link to the payment provider's customer portal: card, invoices, cancellation (owners, billing members)" })
  async billingPortal(@CurrentPrincipal() principal: Principal, @Param('orgId', ParseUuidPipe) orgId: string) {
    return { url: await this.portal.openForOrganization(orgId, actorOf(principal)) };
  }

  @Get('orders')
  @OperatorOnly()
  @RequireScopes('billing:read')
  @ApiOperation({ summary: 'Orders of all organizations, e.g. ?state=pending_payment&provider=manual for transfers to match (operators)' })
  @ApiQuery({ name: 'state', required: false, enum: ORDER_STATES })
  @ApiQuery({ name: 'provider', required: false, enum: ['stripe', 'manual'] })
  list(@Query('state') state?: string, @Query('provider') provider?: string) {
    if (state !== undefined && !ORDER_STATES.includes(state as OrderState)) throw ValidationFailedError.field('state', problem<BillingProblemCode>('order.state', { states: ORDER_STATES.join(', ') }));
    if (provider !== undefined && provider !== 'stripe' && provider !== 'manual') throw ValidationFailedError.field('provider', problem<BillingProblemCode>('order.provider'));
    return this.orders.list(state ? [state as OrderState] : undefined, provider);
  }

  @Post('orders/:orderId/payments')
  @HttpCode(200)
  @OperatorOnly()
  @RequireScopes('billing:write')
  @ApiOperation({ summary: 'Record a bank transfer (or its absence) for a manually billed order; drives the tenant lifecycle (operators)' })
  async recordPayment(@CurrentPrincipal() principal: Principal, @Param('orderId', ParseUuidPipe) orderId: string, @Body() input: ManualPaymentInput) {
    const subscription = await this.subscriptions.recordManual(orderId, input.outcome, actorOf(principal), input.periodEnd ? new Date(input.periodEnd) : undefined);
    return { orderId, subscription };
  }

  @Post('orders/:orderId/cancel')
  @HttpCode(200)
  @OperatorOnly()
  @RequireScopes('billing:write')
  @ApiOperation({ summary: 'End a manually billed subscription: the tenant is terminated after its final export (operators)' })
  async cancel(@CurrentPrincipal() principal: Principal, @Param('orderId', ParseUuidPipe) orderId: string) {
    const subscription = await this.subscriptions.recordManual(orderId, 'canceled', actorOf(principal));
    return { orderId, subscription };
  }
}
