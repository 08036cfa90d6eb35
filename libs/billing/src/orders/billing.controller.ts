import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { OrderState, PaymentProviderName } from '../entities/index.js';
import { actorOf, CurrentPrincipal, OperatorOnly, OrganizationRoles, type Principal, RequireScopes } from '#identity';
import { announceNextPage, inputProblem, pageRequest, ParseUuidPipe, problem, ValidationFailedError } from '#platform';
import type { BillingProblemCode } from '../problems.js';
import { BillingPortalService } from '../portal/billing-portal.service.js';
import type { ManualRequest } from '../subscriptions/billing-decisions.js';
import type { ManualPaymentAnswer } from '../subscriptions/subscription-view.js';
import { type ManualRecording, SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { OrderQueries } from './order-queries.js';
import { OrdersService } from './orders.service.js';
import { parsePaymentReference } from './payment-reference.js';
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
    private readonly queries: OrderQueries,
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
  @ApiOperation({
    summary: 'Orders of all organizations with club, contact email, plan and payment reference, e.g. ?state=pending_payment&provider=manual for transfers to match, or ?reference=AM-2026-0042 (operators)',
  })
  @ApiQuery({ name: 'state', required: false, enum: ORDER_STATES })
  @ApiQuery({ name: 'provider', required: false, enum: ['stripe', 'manual'] })
  @ApiQuery({ name: 'reference', required: false, description: 'A payment reference as on the bank statement, e.g. AM-2026-0042' })
  @ApiQuery({ name: 'cursor', required: false, description: 'Newest first, a page at a time: X-Next-Cursor (or the Link header) of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: 'Orders per page, 1 to 200 (default 50)' })
  async list(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query('state') state?: string,
    @Query('provider') provider?: string,
    @Query('reference') reference?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ) {
    if (state !== undefined && !ORDER_STATES.includes(state as OrderState)) throw ValidationFailedError.field('state', problem<BillingProblemCode>('order.state', { states: ORDER_STATES.join(', ') }));
    if (provider !== undefined && provider !== 'stripe' && provider !== 'manual') throw ValidationFailedError.field('provider', problem<BillingProblemCode>('order.provider'));
    const parsed = reference === undefined ? undefined : parsePaymentReference(reference);
    if (parsed === null) throw ValidationFailedError.field('reference', inputProblem('must be a payment reference like AM-2026-0042'));
    const page = await this.queries.list(
      { ...(state ? { state: state as OrderState } : {}), ...(provider ? { provider: provider as PaymentProviderName } : {}), ...(parsed !== undefined ? { reference: parsed } : {}) },
      pageRequest({ cursor, limit }, ['timestamp', 'uuid'] as const),
    );
    announceNextPage(request, response, page.nextCursor);
    return page.items;
  }

  @Post('orders/:orderId/payments')
  @HttpCode(200)
  @OperatorOnly()
  @RequireScopes('billing:write')
  @ApiOperation({
    summary: 'Record a bank transfer (or its absence) for a manually billed order, named by its id or its payment reference (AM-2026-0042); drives the tenant lifecycle (operators)',
    description:
      'Idempotent. "paid" with periodEnd pays up to that date; without it, the period that is due (nothing while a paid period runs). ' +
      'A payment for a period already covered, or a repeated "overdue", changes nothing. With an Idempotency-Key, a repeat returns the first answer (Idempotent-Replayed: true).',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Up to 255 visible ASCII characters, e.g. the bank transfer reference' })
  async recordPayment(
    @CurrentPrincipal() principal: Principal,
    @Param('orderId') order: string,
    @Body() input: ManualPaymentInput,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ManualPaymentAnswer> {
    const request: ManualRequest = { outcome: input.outcome, ...(input.periodEnd ? { periodEnd: new Date(input.periodEnd) } : {}) };
    const orderId = await this.orders.idOf(order);
    return answer(response, await this.subscriptions.recordManual(orderId, request, actorOf(principal), idempotencyKey(key)));
  }

  @Post('orders/:orderId/cancel')
  @HttpCode(200)
  @OperatorOnly()
  @RequireScopes('billing:write')
  @ApiOperation({ summary: 'End a manually billed subscription: the tenant is terminated after its final export (operators); idempotent' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Up to 255 visible ASCII characters' })
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('orderId', ParseUuidPipe) orderId: string,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ManualPaymentAnswer> {
    return answer(response, await this.subscriptions.recordManual(orderId, { outcome: 'canceled' }, actorOf(principal), idempotencyKey(key)));
  }
}

/** Idempotency keys as Stripe takes them: up to 255 visible ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) throw ValidationFailedError.field('Idempotency-Key', inputProblem('must be 1 to 255 visible ASCII characters'));
  return header;
}

function answer(response: Response, recording: ManualRecording): ManualPaymentAnswer {
  if (recording.replayed) response.setHeader('Idempotent-Replayed', 'true');
  return recording.answer;
}
