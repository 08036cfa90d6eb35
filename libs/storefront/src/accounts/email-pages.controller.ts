import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Response } from 'express';
import { AccountsService, Public } from '#identity';
import { en, type Texts } from '../texts/en.js';
import { fill } from '../web/html.js';
import { sendHtml } from '../web/layout.js';
import { renderMessagePage } from '../orders/order-pages.js';

/** Where the verification mail's link leads: the address is confirmed once, then the link is spent. */
@Controller('verify-email')
export class EmailPagesController {
  private readonly texts: Texts = en;

  constructor(private readonly accounts: AccountsService) {}

  @Public()
  @Get()
  @ApiExcludeEndpoint()
  async verify(@Query('token') token: string | undefined, @Res() response: Response): Promise<void> {
    const t = this.texts.verifyEmail;
    const account = typeof token === 'string' ? await this.accounts.verifyEmail(token) : null;
    if (!account) return sendHtml(response, 404, renderMessagePage(this.texts, t.invalid.title, t.invalid.body));
    sendHtml(response, 200, renderMessagePage(this.texts, t.done.title, fill(t.done.body, { email: account.email })));
  }
}
