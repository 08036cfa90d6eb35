import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { InvitationsService, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type OpenInvitation } from '#identity';
import { NotFoundError, UnauthenticatedError } from '#platform';
import type { Texts } from '../texts/en.js';
import { Page } from '../web/page.js';
import { pageTexts } from '../web/page-context.js';
import { fill, html } from '../web/html.js';
import { csrfField } from '../web/page-context.js';
import { field, layout, sendHtml } from '../web/layout.js';
import { renderMessagePage } from '../orders/order-pages.js';

/**
 * Where an invitation mail's link leads. The token travels in the query string, which the
 * request log leaves out, and in a hidden field when the form is posted.
 */
@Controller('invitation')
export class InvitationPagesController {
  private get texts(): Texts {
    return pageTexts();
  }

  constructor(private readonly invitations: InvitationsService) {}

  @Page()
  @Get()
  async show(@Query('token') token: string | undefined, @Res() response: Response): Promise<void> {
    const open = typeof token === 'string' ? await this.invitations.open(token) : null;
    if (!open) return this.invalid(response);
    sendHtml(response, 200, this.page(open, token!));
  }

  @Page()
  @Post()
  async accept(@Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const token = typeof body?.token === 'string' ? body.token : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const open = await this.invitations.open(token);
    if (!open) return this.invalid(response);
    const t = this.texts.invitation;
    if (!open.hasAccount && (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH)) {
      return sendHtml(response, 400, this.page(open, token, t.passwordRules));
    }
    try {
      const accepted = await this.invitations.accept(token, password, request.ip);
      const values = { club: accepted.organization.name, role: t.roles[accepted.invitation.role], email: accepted.invitation.email };
      sendHtml(response, 200, renderMessagePage(this.texts, fill(t.accepted.title, values), fill(t.accepted.body, values)));
    } catch (error) {
      if (error instanceof UnauthenticatedError) return sendHtml(response, 401, this.page(open, token, t.wrongPassword));
      if (error instanceof NotFoundError) return this.invalid(response);
      throw error;
    }
  }

  private page(open: OpenInvitation, token: string, error?: string) {
    const t = this.texts.invitation;
    const values = { club: open.organization.name, role: t.roles[open.invitation.role], email: open.invitation.email };
    const title = fill(t.title, values);
    return layout(
      this.texts,
      title,
      html`<h1>${title}</h1>
<p>${fill(t.intro, values)}</p>
<form method="post" action="/invitation" novalidate>${csrfField()}
<input type="hidden" name="token" value="${token}">
<p>${open.hasAccount ? t.existingAccount : t.newAccount}</p>
${field({ name: 'password', label: t.password.label, hint: open.hasAccount ? undefined : t.password.hint, type: 'password', autocomplete: open.hasAccount ? 'current-password' : 'new-password', maxlength: 200, error })}
<button type="submit">${t.submit}</button>
</form>`,
    );
  }

  private invalid(response: Response): void {
    sendHtml(response, 404, renderMessagePage(this.texts, this.texts.invitation.invalid.title, this.texts.invitation.invalid.body));
  }
}
