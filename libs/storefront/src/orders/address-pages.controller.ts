import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccountsService } from '#identity';
import { DomainError, httpStatusOf, InvalidStateError, NotFoundError, ParseUuidPipe, TooManyRequestsError, UnauthenticatedError } from '#platform';
import { displayDomain, OwnerAddresses } from '#provisioning';
import type { Texts } from '../texts/en.js';
import { Page } from '../web/page.js';
import { pageTexts } from '../web/page-context.js';
import { problemWords } from '../texts/problem-words.js';
import { format } from '../web/html.js';
import { sendHtml } from '../web/layout.js';
import type { AddressesSection } from './address-pages.js';
import { renderMessagePage, renderStatusPage } from './order-pages.js';
import { StatusPages } from './status-pages.js';

/** What an action did, in the page's words; `label` names what a field problem is about. */
type Action = { label: string; run: (tenantId: string, accountId: string) => Promise<Pick<AddressesSection, 'message' | 'domainValue'>> };

/**
 * The addresses part of the order page: an owner signs in with email and password (as for the
 * admin logins, every request again: the page keeps no session) to see the tenant's domains,
 * the records to create and the readiness checks, and to add, check or remove a domain or run
 * the checks. Each route answers with the whole status page.
 */
@ApiTags('order')
@Controller('order/:orderId')
export class AddressPagesController {
  private get texts(): Texts {
    return pageTexts();
  }
  private get words() {
    return problemWords(this.texts);
  }

  constructor(
    private readonly statusPages: StatusPages,
    private readonly accounts: AccountsService,
    private readonly owners: OwnerAddresses,
  ) {}

  @Page()
  @Post('addresses')
  async show(@Param('orderId', ParseUuidPipe) orderId: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.act(orderId, body, request, response, { label: '', run: async () => ({}) });
  }

  @Page()
  @Post('domains')
  async add(@Param('orderId', ParseUuidPipe) orderId: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const name = typeof body?.domain === 'string' ? body.domain.trim() : '';
    await this.act(orderId, body, request, response, {
      label: this.texts.addresses.add.label,
      run: async (tenantId, accountId) => {
        const added = await this.owners.add(tenantId, accountId, name);
        return { message: format(this.texts.addresses.add.added, { domain: added.display }) };
      },
    }, name);
  }

  @Page()
  @Post('domains/:name/verify')
  async verify(@Param('orderId', ParseUuidPipe) orderId: string, @Param('name') name: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const t = this.texts.addresses.check;
    await this.act(orderId, body, request, response, {
      label: displayDomain(name),
      run: async (tenantId, accountId) => {
        const result = await this.owners.verify(tenantId, accountId, name);
        const said = { verified: t.verified, released: t.released, pending: t.stillPending, flagged: t.stillFlagged, withdrawn: t.stillFlagged }[result.state];
        return { message: format(said, { domain: result.domain?.display ?? displayDomain(name) }) };
      },
    });
  }

  @Page()
  @Post('domains/:name/remove')
  async remove(@Param('orderId', ParseUuidPipe) orderId: string, @Param('name') name: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.act(orderId, body, request, response, {
      label: displayDomain(name),
      run: async (tenantId, accountId) => {
        await this.owners.remove(tenantId, accountId, name);
        return { message: format(this.texts.addresses.check.removed, { domain: displayDomain(name) }) };
      },
    });
  }

  @Page()
  @Post('readiness')
  async readiness(@Param('orderId', ParseUuidPipe) orderId: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.act(orderId, body, request, response, {
      label: '',
      run: async (tenantId, accountId) => {
        await this.owners.runChecks(tenantId, accountId);
        return { message: this.texts.addresses.readiness.ran };
      },
    });
  }

  /** Signs the owner in, runs the action, and answers with the page (what the action did or why it did nothing). */
  private async act(orderId: string, body: Record<string, unknown>, request: Request, response: Response, action: Action, domainValue?: string): Promise<void> {
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const page = await this.statusPages.load(orderId);
    if (!page) return sendHtml(response, 404, renderMessagePage(this.texts, this.texts.notFound.title, this.texts.notFound.body));
    const tenantId = page.details.tenant?.id;

    let section: AddressesSection = { email };
    let accountId: string;
    try {
      const account = await this.accounts.authenticate(email, password, request.ip);
      if (!account) throw new UnauthenticatedError('Email or password is wrong');
      if (!tenantId) throw new InvalidStateError('addresses.not_ready', 'This order has no instance yet');
      // the owner check first: what the page shows when the action is refused
      section.view = await this.owners.view(tenantId, account.id);
      accountId = account.id;
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      const status = httpStatusOf(error);
      if (error.code === 'addresses.not_ready') return sendHtml(response, status, renderStatusPage(this.texts, { ...page, notice: this.texts.addresses.notReady }));
      const t = this.texts.addresses.signIn;
      section.signInError = error instanceof TooManyRequestsError ? format(t.tooManyAttempts, { minutes: minutes(error) }) : t.refused;
      return sendHtml(response, status, renderStatusPage(this.texts, { ...page, addresses: section }));
    }

    let status = 200;
    try {
      section = { ...section, ...(await action.run(tenantId, accountId)), view: await this.owners.load(tenantId) };
    } catch (error) {
      section = { ...section, ...this.refusal(error, action.label), domainValue };
      status = httpStatusOf(error as DomainError);
    }
    sendHtml(response, status, renderStatusPage(this.texts, { ...page, addresses: section }));
  }

  /** Why an action of a signed-in owner did nothing, in the page's words. */
  private refusal(error: unknown, label: string): Pick<AddressesSection, 'domainError' | 'problem'> {
    if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
    const t = this.texts.addresses;
    const name = error.fields?.name;
    if (name) {
      const text = format(this.texts.errors.fieldProblem, { label, problem: this.words(name) });
      return label === t.add.label ? { domainError: text } : { problem: text };
    }
    if (error instanceof TooManyRequestsError) return { problem: format(error.code === 'readiness.too_many_runs' ? t.readiness.tooMany : t.check.tooMany, { minutes: minutes(error) }) };
    if (error instanceof NotFoundError) return { problem: t.check.unknown };
    if (error.code === 'tenant.ending') return { problem: t.notReady };
    throw error;
  }
}

const minutes = (error: TooManyRequestsError) => Math.max(1, Math.ceil(error.retryAfterSeconds / 60));
