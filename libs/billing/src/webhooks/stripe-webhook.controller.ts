import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '#identity';
import { WebhookRejectedError } from '../payments/billing-errors.js';
import { WebhookInbox } from './webhook-inbox.service.js';

@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly inbox: WebhookInbox) {}

  /** Stripe's endpoint: 200 once the event is stored (or was stored before), 400 for a bad signature. */
  @Public()
  @Post('stripe')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Req() request: RawBodyRequest<Request>, @Headers('stripe-signature') signature: string | undefined) {
    // express.raw (see api-app.ts) leaves the body as bytes: the signature covers exactly them
    const body = Buffer.isBuffer(request.body) ? request.body : request.rawBody;
    if (!body?.length) throw new WebhookRejectedError('the body is empty');
    const receipt = await this.inbox.receive(body, signature);
    return { received: true, duplicate: receipt.duplicate };
  }
}
