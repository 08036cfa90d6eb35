import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AccountsService } from '#identity';
import type { Texts } from '../texts/en.js';
import { Page } from '../web/page.js';
import { pageTexts } from '../web/page-context.js';
import { fill } from '../web/html.js';
import { sendHtml } from '../web/layout.js';
import { renderMessagePage } from '../orders/order-pages.js';

/** Where the verification mail's link leads: the address is confirmed once, then the link is spent. */
@Controller('verify-email')
export class EmailPagesController {
  private get texts(): Texts {
    return pageTexts();
  }

  constructor(private readonly accounts: AccountsService) {}

  @Page()
  @Get()
  async verify(@Query('token') token: string | undefined, @Res() response: Response): Promise<void> {
    const t = this.texts.verifyEmail;
    const account = typeof token === 'string' ? await this.accounts.verifyEmail(token) : null;
    if (!account) return sendHtml(response, 404, renderMessagePage(this.texts, t.invalid.title, t.invalid.body));
    sendHtml(response, 200, renderMessagePage(this.texts, t.done.title, fill(t.done.body, { email: account.email })));
  }
}
