import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { OrderQueries, parsePaymentReference, SubscriptionsService } from '#billing';
import { actorOf } from '#identity';
import { type CursorPart, type CursorValues, DomainError, NotFoundError, type Page as ListPage, type PageRequest, pageRequest, ValidationFailedError } from '#platform';
import { type CreatedKey, FleetQueries, OPERATION_KINDS, OperationRetries, type TenantFilter, TenantsService } from '#provisioning';
import { problemWords } from '../texts/problem-words.js';
import { sendHtml } from '../web/layout.js';
import { Page } from '../web/page.js';
import { currentPage } from '../web/page-context.js';
import {
  type PageProblem,
  renderConsoleIndex,
  renderHostsPage,
  renderOperationsPage,
  renderOrdersPage,
  renderRefusedPage,
  renderTenantPage,
  renderTenantsPage,
} from './console-pages.js';

const CREATED_KEY = ['timestamp', 'uuid'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Idempotency keys as the API takes them: 1 to 255 visible ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** A tenant's page shows a shorter page of each history. */
const HISTORY_PAGE = { default: 20, max: 100 };
const EMPTY = { items: [], nextCursor: null };

/**
 * The operators' console (operators only: anyone else gets "not found", as if it did not
 * exist). Lists page by cursor; the actions are forms that post with the page's form token and
 * go back to the list with a notice (post/redirect/get), or say in words why nothing was done.
 */
@Controller('console')
export class ConsolePagesController {
  constructor(
    private readonly orders: OrderQueries,
    private readonly subscriptions: SubscriptionsService,
    private readonly fleet: FleetQueries,
    private readonly retries: OperationRetries,
    private readonly tenants: TenantsService,
  ) {}

  @Page('operator')
  @Get()
  index(@Res() response: Response): void {
    sendHtml(response, 200, renderConsoleIndex(currentPage().texts));
  }

  @Page('operator')
  @Get('orders')
  async ordersPage(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const texts = currentPage().texts;
    const reference = typeof query.reference === 'string' ? parsePaymentReference(query.reference) : null;
    const done = typeof query.done === 'string' && reference ? { action: query.done, reference } : undefined;
    const keyFor = () => `console-${randomBytes(16).toString('base64url')}`;
    const listed = await this.listed(query, CREATED_KEY, (request) => this.orders.awaitingPayment(request));
    sendHtml(response, listed.problems.length ? 400 : 200, renderOrdersPage(texts, { page: listed.page, firstPage: !query.cursor, keyFor, done, problems: listed.problems, now: new Date() }));
  }

  @Page('operator')
  @Post('orders/:orderId/paid')
  markPaid(@Param('orderId') orderId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    return this.recordPayment(orderId, 'paid', body, response);
  }

  @Page('operator')
  @Post('orders/:orderId/overdue')
  markOverdue(@Param('orderId') orderId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    return this.recordPayment(orderId, 'overdue', body, response);
  }

  @Page('operator')
  @Get('tenants')
  async tenantsPage(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const texts = currentPage().texts;
    const typed = { state: textOf(query.state), app: textOf(query.app), version: textOf(query.version), host: textOf(query.host) };
    const problems: PageProblem[] = [];
    let filter: TenantFilter = {};
    try {
      filter = this.fleet.tenantFilter(query);
    } catch (error) {
      problems.push(...this.problemsOf(error));
    }
    const listed = problems.length ? { page: EMPTY, problems } : await this.listed(query, CREATED_KEY, (request) => this.fleet.tenants(filter, request));
    const hosts = await this.fleet.hostChoices();
    sendHtml(
      response,
      listed.problems.length ? 400 : 200,
      renderTenantsPage(texts, { page: listed.page, query: typed, filter, firstPage: !query.cursor, apps: this.fleet.apps(), hosts, problems: listed.problems }),
    );
  }

  @Page('operator')
  @Get('tenants/:tenantId')
  async tenantPage(@Param('tenantId') tenantId: string, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    if (!UUID.test(tenantId)) throw new NotFoundError('Tenant');
    const texts = currentPage().texts;
    const problems: PageProblem[] = [];
    const history = (field: 'operations' | 'events' | 'audit'): PageRequest<CreatedKey> => {
      try {
        return pageRequest({ cursor: query[field] }, CREATED_KEY, { cursorField: field, sizes: HISTORY_PAGE });
      } catch (error) {
        problems.push(...this.problemsOf(error));
        return { after: null, limit: HISTORY_PAGE.default };
      }
    };
    const pages = { operations: history('operations'), events: history('events'), audit: history('audit') };
    const tenant = await this.fleet.tenant(tenantId, pages);
    const cursors = { operations: textOf(query.operations), events: textOf(query.events), audit: textOf(query.audit) };
    const done = typeof query.done === 'string' && Object.hasOwn(OPERATION_KINDS, query.done) ? { kind: query.done } : undefined;
    sendHtml(response, problems.length ? 400 : 200, renderTenantPage(texts, { tenant, cursors: problems.length ? {} : cursors, done, problems, now: new Date() }));
  }

  @Page('operator')
  @Get('hosts')
  async hostsPage(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const texts = currentPage().texts;
    const listed = await this.listed(query, ['text'] as const, (request) => this.fleet.hosts(request));
    sendHtml(response, listed.problems.length ? 400 : 200, renderHostsPage(texts, { page: listed.page, firstPage: !query.cursor, problems: listed.problems }));
  }

  @Page('operator')
  @Get('operations')
  async operationsPage(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const texts = currentPage().texts;
    const kinds = Object.keys(OPERATION_KINDS);
    const problems: PageProblem[] = [];
    let kind: string | undefined;
    try {
      kind = this.fleet.operationFilter({ kind: query.kind }).kind;
    } catch (error) {
      problems.push(...this.problemsOf(error));
    }
    const listed = problems.length
      ? { page: EMPTY, problems }
      : await this.listed(query, CREATED_KEY, (request) => this.fleet.operations({ state: 'failed', open: true, ...(kind ? { kind: kind as keyof typeof OPERATION_KINDS } : {}) }, request));
    const done = await this.retried(query);
    sendHtml(response, listed.problems.length ? 400 : 200, renderOperationsPage(texts, { page: listed.page, kinds, kind, firstPage: !query.cursor, done, problems: listed.problems }));
  }

  @Page('operator')
  @Post('operations/:operationId/retry')
  async retry(@Param('operationId') operationId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    if (!UUID.test(operationId)) throw new NotFoundError('Operation');
    const page = currentPage();
    const back = body?.back === 'tenant' ? 'tenant' : 'list';
    try {
      const operation = await this.retries.retry(operationId, actorOf(page.session!.principal));
      const target = back === 'tenant' ? `/console/tenants/${operation.targetId}?done=${operation.kind}#operations` : `/console/operations?done=${operation.kind}&tenant=${operation.targetId}`;
      response.redirect(303, target);
    } catch (error) {
      this.refuse(error, response, '/console/operations');
    }
  }

  private async recordPayment(orderId: string, outcome: 'paid' | 'overdue', body: Record<string, unknown>, response: Response): Promise<void> {
    if (!UUID.test(orderId)) throw new NotFoundError('Order');
    const page = currentPage();
    const key = typeof body?.key === 'string' && IDEMPOTENCY_KEY.test(body.key) ? body.key : undefined;
    try {
      await this.subscriptions.recordManual(orderId, { outcome }, actorOf(page.session!.principal), key);
    } catch (error) {
      return this.refuse(error, response, '/console/orders');
    }
    const reference = await this.orders.referenceOf(orderId);
    response.redirect(303, `/console/orders?done=${outcome}${reference ? `&reference=${encodeURIComponent(reference)}` : ''}`);
  }

  /** One page of a list, or (for a cursor or limit it cannot use) an empty page and the problems in words. */
  private async listed<T, const P extends readonly CursorPart[]>(
    query: Record<string, unknown>,
    parts: P,
    load: (request: PageRequest<CursorValues<P>>) => Promise<ListPage<T>>,
  ): Promise<{ page: ListPage<T>; problems: PageProblem[] }> {
    let request: PageRequest<CursorValues<P>>;
    try {
      request = pageRequest({ cursor: query.cursor, limit: query.limit }, parts);
    } catch (error) {
      return { page: EMPTY, problems: this.problemsOf(error) };
    }
    return { page: await load(request), problems: [] };
  }

  private problemsOf(error: unknown): PageProblem[] {
    if (!(error instanceof ValidationFailedError)) throw error;
    const words = problemWords(currentPage().texts);
    return Object.entries(error.fields ?? {}).map(([field, problem]) => ({ field, words: words(problem) }));
  }

  /** A refusal in the page's words (409, or 400 for bad input); "not found" stays a 404 page. */
  private refuse(error: unknown, response: Response, back: string): void {
    if (!(error instanceof DomainError) || !['invalid_state', 'conflict', 'validation'].includes(error.kind)) throw error;
    const texts = currentPage().texts;
    const reason = texts.console.refused.codes[error.code] ?? error.message;
    sendHtml(response, error.kind === 'validation' ? 400 : 409, renderRefusedPage(texts, reason, back));
  }

  /** The notice after a retry: its kind and tenant, when the query names a real one. */
  private async retried(query: Record<string, unknown>): Promise<{ kind: string; tenantId: string; tenant: string } | undefined> {
    const kind = query.done;
    const tenantId = query.tenant;
    if (typeof kind !== 'string' || !Object.hasOwn(OPERATION_KINDS, kind) || typeof tenantId !== 'string' || !UUID.test(tenantId)) return undefined;
    const tenant = await this.tenants.find(tenantId);
    return tenant ? { kind, tenantId, tenant: tenant.slug } : undefined;
  }
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, 500) : undefined;
}
