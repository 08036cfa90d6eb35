import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BillingPortalService, OrdersService, PaymentProvider, PaymentProviderUnavailableError } from '#billing';
import { PlansService } from '#catalog';
import { AccountsService, Public } from '#identity';
import { AppConfig, DomainError, type FieldProblem, httpStatusOf, InvalidStateError, NotFoundError, ParseUuidPipe, problem, UnauthenticatedError, ValidationFailedError } from '#platform';
import { AdminCredentialsService, TenantsService, type RevealedCredential } from '#provisioning';
import { RateLimits } from '#platform/limits';
import type { ProblemCode, Texts } from '../texts/en.js';
import { Page } from '../web/page.js';
import { currentPage, pageTexts } from '../web/page-context.js';
import { problemWords } from '../texts/problem-words.js';
import { fill, format } from '../web/html.js';
import { sendHtml } from '../web/layout.js';
import { type FieldErrors, type OrderField, readOrderForm, type OrderFormValues } from './order-form.js';
import { StatusPages } from './status-pages.js';
import { renderCredentialsPage, renderMessagePage, renderOrderForm, renderStatusFragment, renderStatusPage } from './order-pages.js';

/** What other libs report about a field, said in the form's words. */
const KNOWN_PROBLEMS: Partial<Record<ProblemCode, keyof Texts['errors']>> = { 'email.taken': 'emailTaken', 'plan.not_orderable': 'plan' };

/**
 * The public pages: the order form at /, the order's status page, and the small JSON
 * check behind the form's live subdomain check. They work without JavaScript.
 */
@ApiTags('order')
@Controller()
export class OrderPagesController {
  private get texts(): Texts {
    return pageTexts();
  }
  private get words() {
    return problemWords(this.texts);
  }

  constructor(
    private readonly orders: OrdersService,
    private readonly plans: PlansService,
    private readonly tenants: TenantsService,
    private readonly portal: BillingPortalService,
    private readonly accounts: AccountsService,
    private readonly adminCredentials: AdminCredentialsService,
    private readonly provider: PaymentProvider,
    private readonly config: AppConfig,
    private readonly limits: RateLimits,
    private readonly statusPages: StatusPages,
  ) {}

  @Page()
  @Get()
  async form(@Res() response: Response): Promise<void> {
    await this.renderForm(response, 200, {}, {});
  }

  @Page()
  @Post('order')
  async submit(@Body() body: Record<string, unknown>, @Req() httpRequest: Request, @Res() response: Response): Promise<void> {
    // operators order for nobody: their session does not own clubs
    const session = currentPage().session?.isOperator ? null : currentPage().session;
    const { values, request, errors } = readOrderForm(body ?? {}, this.texts, session?.principal.accountId);
    if (session && !session.emailVerified) {
      const t = this.texts.session.verify.needed;
      return sendHtml(response, 403, renderMessagePage(this.texts, t.title, fill(t.body, { email: session.email })));
    }
    if (values.plan && !errors.plan && !(await this.plans.listOffered()).some((plan) => plan.code === values.plan)) errors.plan = this.texts.errors.plan;
    // orders cost nothing until paid: a limit per address and hour keeps the form from being used to hoard names
    const limit = await this.limits.hit({ name: 'order:address', max: this.config.limits.ordersPerAddressPerHour, windowSeconds: 3600 }, httpRequest.ip ?? 'unknown');
    if (!limit.allowed) {
      response.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return this.renderForm(response, 429, values, { plan: this.texts.errors.tooManyOrders });
    }
    // the database checks run for the fields that passed the form's rules, so every problem shows at once
    const checkable = Object.fromEntries(
      (['plan', 'contactEmail', 'subdomain', 'customDomain'] as const)
        .filter((name) => values[name] && !errors[name] && (name !== 'subdomain' || values.addressKind !== 'custom') && (name !== 'customDomain' || values.addressKind === 'custom'))
        .map((name) => [name, values[name]]),
    );
    const problems = await this.orders.problems(checkable);
    for (const [name, problem] of Object.entries(problems)) errors[name as OrderField] ??= this.problemText(name, problem);
    if (!request || Object.keys(errors).length > 0) return this.renderForm(response, 400, values, errors);

    let orderId: string;
    try {
      orderId = (await this.orders.place(request)).id;
    } catch (error) {
      if (!(error instanceof DomainError && error.fields)) throw error;
      const raced = Object.fromEntries(Object.entries(error.fields).map(([name, problem]) => [name, this.problemText(name, problem)]));
      return this.renderForm(response, httpStatusOf(error), values, raced);
    }
    response.redirect(303, await this.paymentUrl(orderId));
  }

  @Page()
  @Get('order/:orderId')
  async status(@Param('orderId', ParseUuidPipe) orderId: string, @Query('checkout') checkout: string | undefined, @Query('payment') payment: string | undefined, @Res() response: Response): Promise<void> {
    const page = await this.statusPages.load(orderId, checkout);
    if (!page) return this.notFound(response);
    if (payment === 'unavailable') page.notice = this.texts.errors.providerUnavailable;
    sendHtml(response, 200, renderStatusPage(this.texts, page));
  }

  /** The changing part of the status page, for the page's own polling. */
  @Page()
  @Get('order/:orderId/status')
  async statusFragment(@Param('orderId', ParseUuidPipe) orderId: string, @Query('checkout') checkout: string | undefined, @Res() response: Response): Promise<void> {
    const page = await this.statusPages.load(orderId, checkout);
    if (!page) return this.notFound(response);
    sendHtml(response, 200, renderStatusFragment(this.texts, page));
  }

  @Page()
  @Post('order/:orderId/checkout')
  async continuePayment(@Param('orderId', ParseUuidPipe) orderId: string, @Res() response: Response): Promise<void> {
    try {
      response.redirect(303, await this.paymentUrl(orderId));
    } catch (error) {
      if (error instanceof NotFoundError) return this.notFound(response);
      throw error;
    }
  }

  /** The portal for people without an API session: they log in with email and password on the order page. */
  @Page()
  @Post('order/:orderId/billing-portal')
  async billingPortal(@Param('orderId', ParseUuidPipe) orderId: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    try {
      response.redirect(303, await this.portal.openForOrder(orderId, email, password, request.ip));
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      const page = await this.statusPages.load(orderId);
      if (!page) return this.notFound(response);
      const status = httpStatusOf(error);
      sendHtml(response, status, renderStatusPage(this.texts, { ...page, portalEmail: email, portalError: this.texts.status.portal.refused }));
    }
  }

  /** The admin logins, once, to an owner who logs in with email and password on the order page. */
  @Page()
  @Post('order/:orderId/credentials')
  async credentials(@Param('orderId', ParseUuidPipe) orderId: string, @Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    try {
      const revealed = await this.revealForOrder(orderId, email, password, request.ip);
      sendHtml(response, 200, renderCredentialsPage(this.texts, orderId, revealed));
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      const page = await this.statusPages.load(orderId);
      if (!page) return this.notFound(response);
      const t = this.texts.status.login;
      const message = error.code === 'credentials.already_revealed' ? t.alreadyShown : error.code === 'credentials.not_ready' ? t.notReady : t.refused;
      const status = httpStatusOf(error);
      sendHtml(response, status, renderStatusPage(this.texts, { ...page, credentialsEmail: email, credentialsError: message }));
    }
  }

  @Public()
  @Get('api/v1/subdomain-availability')
  @ApiOperation({ summary: 'Whether a subdomain can be ordered now (the order form checks again on submit)' })
  @ApiQuery({ name: 'name', example: 'gardeners' })
  async availability(@Query('name') name: string | undefined) {
    if (typeof name !== 'string' || !name.trim()) throw ValidationFailedError.field('name', problem('input.required'));
    const result = await this.tenants.subdomainAvailability(name);
    return result.available ? { available: true, domain: result.domain } : { available: false, reason: this.words(result.reason) };
  }

  /** The owner logs in with email and password on the page; provisioning checks the role (identity's policy) and reveals. */
  private async revealForOrder(orderId: string, email: string, password: string, address: string | undefined): Promise<RevealedCredential[]> {
    const account = await this.accounts.authenticate(email, password, address);
    if (!account) throw new UnauthenticatedError('Email or password is wrong');
    const { order } = await this.orders.details(orderId);
    if (!order.tenantId) throw new InvalidStateError('credentials.not_ready', 'This order has no instance yet');
    return this.adminCredentials.revealForAccount(order.tenantId, account.id);
  }

  private async paymentUrl(orderId: string): Promise<string> {
    try {
      return await this.orders.startPayment(orderId);
    } catch (error) {
      // the order is saved; the status page offers to try again
      if (error instanceof PaymentProviderUnavailableError) return `${this.orders.statusUrl(orderId)}?payment=unavailable`;
      throw error;
    }
  }

  private async renderForm(response: Response, status: number, values: OrderFormValues, errors: FieldErrors): Promise<void> {
    const plans = await this.plans.listOffered();
    sendHtml(
      response,
      status,
      renderOrderForm(this.texts, { plans, values, errors, provider: this.provider.name, baseDomain: this.config.baseDomain, terms: { ...this.config.billing.terms, url: this.config.billing.terms.url ?? '/legal/terms' }, dpa: { ...this.config.billing.dpa, url: this.config.billing.dpa.url ?? '/legal/dpa' } }),
    );
  }

  private notFound(response: Response): void {
    sendHtml(response, 404, renderMessagePage(this.texts, this.texts.notFound.title, this.texts.notFound.body));
  }

  private problemText(field: string, problem: FieldProblem): string {
    const known = KNOWN_PROBLEMS[problem.code as ProblemCode];
    if (known) return this.texts.errors[known];
    const labels: Record<string, string> = {
      subdomain: this.texts.orderForm.subdomain.label,
      customDomain: this.texts.orderForm.customDomain.label,
      contactEmail: this.texts.orderForm.contactEmail.label,
      clubName: this.texts.orderForm.clubName.label,
    };
    return format(this.texts.errors.fieldProblem, { label: labels[field] ?? field, problem: this.words(problem) });
  }
}
