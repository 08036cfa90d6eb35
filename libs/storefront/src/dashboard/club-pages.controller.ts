import { pipeline } from 'node:stream/promises';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BillingPortalService, ClubBilling, PaymentProviderUnavailableError } from '#billing';
import { ALL_ROLES, assertMemberRole, assertOrganizationAccess, InvitationsService, type MembershipRole, OrganizationsService } from '#identity';
import { AppConfig, DomainError, emailProblem, type FieldProblem, ForbiddenError, httpStatusOf, NotFoundError, TooManyRequestsError, UnavailableError } from '#platform';
import { AdminPasswordReset, ClubInstances, TenantsService } from '#provisioning';
import type { Texts } from '../texts/en.js';
import { problemWords } from '../texts/problem-words.js';
import { renderMessagePage } from '../orders/order-pages.js';
import { fill, format } from '../web/html.js';
import { sendHtml } from '../web/layout.js';
import { Page } from '../web/page.js';
import { currentPage, type PageSession } from '../web/page-context.js';
import { ClubDashboards } from './club-dashboard.js';
import { ClubEvents, parseKnown } from './club-events.js';
import { type ClubPageState, clubPath, renderCancelPage, renderClubPage, renderClubsPage, renderResetResultPage } from './club-pages.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An app id as templates name them; anything else names no app. */
const APP = /^[a-z][a-z0-9-]{0,31}$/;

const OWNERS: readonly MembershipRole[] = ['owner'];
const BILLING: readonly MembershipRole[] = ['owner', 'billing'];

/** Where on the page an action's result is shown: the part it changed. */
type Anchor = 'club-apps' | 'club-members' | 'club-billing';

/** What a refused action shows: the page with its problem, and the form's input and errors. */
type Refusal = { status: number; state: Partial<ClubPageState> };

/**
 * The club's dashboard: the clubs of the logged-in person, one club's apps, members and billing,
 * its live stream, and what owners (and billing members) do there. Every action is a form post
 * (form token checked by the page guard), checks the role with identity's policy, is audited by
 * the service that does it, and ends on the dashboard with its result.
 */
@Controller('clubs')
export class ClubPagesController {
  constructor(
    private readonly dashboards: ClubDashboards,
    private readonly events: ClubEvents,
    private readonly billing: ClubBilling,
    private readonly portal: BillingPortalService,
    private readonly instances: ClubInstances,
    private readonly passwords: AdminPasswordReset,
    private readonly invitations: InvitationsService,
    private readonly organizations: OrganizationsService,
    private readonly tenants: TenantsService,
    private readonly config: AppConfig,
  ) {}

  private get texts(): Texts {
    return currentPage().texts;
  }

  private get session(): PageSession {
    return currentPage().session!;
  }

  @Page('account')
  @Get()
  async clubs(@Query('verification') verification: unknown, @Res() response: Response): Promise<void> {
    const session = this.session;
    const clubs = await this.dashboards.clubsOf(session.principal);
    sendHtml(response, 200, renderClubsPage(this.texts, clubs, { email: session.email, emailVerified: session.emailVerified, verificationSent: verification === 'sent' }));
  }

  @Page('account')
  @Get(':orgId')
  async club(@Param('orgId') orgId: string, @Query('done') done: unknown, @Res() response: Response): Promise<void> {
    const notice = typeof done === 'string' && Object.hasOwn(this.texts.dashboard.done, done) ? this.texts.dashboard.done[done] : undefined;
    await this.renderClub(response, uuid(orgId), 200, { notice });
  }

  /** Server-sent events: the live parts of the dashboard, whenever they change. */
  @Page('account')
  @Get(':orgId/events')
  async clubEvents(@Param('orgId') orgId: string, @Query('known') known: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.events.stream(request, response, uuid(orgId), parseKnown(known));
  }

  // ------------------------------------------------------------------ members

  @Page('account')
  @Post(':orgId/invitations')
  async invite(@Param('orgId') orgId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const t = this.texts.dashboard.members.invite;
    const email = text(body?.email).trim().toLowerCase().slice(0, 254);
    const role = text(body?.role);
    const values = { email, role };
    await this.act(orgId, response, OWNERS, 'club-members', async (organizationId) => {
      const errors = { email: !email || emailProblem(email) ? t.emailError : undefined, role: role === 'billing' || role === 'member' ? undefined : t.roleError };
      if (errors.email || errors.role) return { status: 400, state: { invite: { ...values, errors } } };
      await this.invitations.invite(organizationId, { email, role: role as 'billing' | 'member' }, { type: 'account', id: this.session.principal.accountId }, currentPage().locale);
      return 'invited';
    }, (error) => {
      const problem = error.fields?.email;
      return problem ? { status: httpStatusOf(error), state: { invite: { ...values, errors: { email: this.fieldText(t.email.label, problem) } } } } : null;
    });
  }

  @Page('account')
  @Post(':orgId/invitations/:invitationId/revoke')
  async revoke(@Param('orgId') orgId: string, @Param('invitationId') invitationId: string, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, OWNERS, 'club-members', async (organizationId) => {
      await this.invitations.revoke(organizationId, uuid(invitationId), { type: 'account', id: this.session.principal.accountId });
      return 'revoked';
    });
  }

  @Page('account')
  @Post(':orgId/members/:membershipId/remove')
  async removeMember(@Param('orgId') orgId: string, @Param('membershipId') membershipId: string, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, OWNERS, 'club-members', async (organizationId) => {
      await this.organizations.removeMember(organizationId, uuid(membershipId), { type: 'account', id: this.session.principal.accountId });
      return 'removed';
    });
  }

  // ------------------------------------------------------------------ billing

  /** The confirmation step of a cancellation: what happens when, before anything changes. */
  @Page('account')
  @Get(':orgId/orders/:orderId/cancel')
  async cancelForm(@Param('orgId') orgId: string, @Param('orderId') orderId: string, @Res() response: Response): Promise<void> {
    const organizationId = uuid(orgId);
    assertOrganizationAccess(this.session.principal, organizationId, ALL_ROLES, 'Club');
    assertMemberRole(this.session.principal, organizationId, OWNERS, 'Club');
    const page = await this.cancelPage(organizationId, uuid(orderId));
    if (!page) return this.renderClub(response, organizationId, 409, { problem: this.texts.dashboard.refused.noSubscription });
    sendHtml(response, 200, renderCancelPage(this.texts, page));
  }

  @Page('account')
  @Post(':orgId/orders/:orderId/cancel')
  async cancel(@Param('orgId') orgId: string, @Param('orderId') orderId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, OWNERS, 'club-billing', async (organizationId) => {
      if (body?.confirm !== 'yes') {
        const page = await this.cancelPage(organizationId, uuid(orderId));
        if (!page) return { status: 409, state: { problem: this.texts.dashboard.refused.noSubscription } };
        sendHtml(response, 400, renderCancelPage(this.texts, { ...page, error: this.texts.dashboard.billing.cancel.confirmError }));
        return null;
      }
      await this.billing.cancelAtPeriodEnd(organizationId, uuid(orderId), { type: 'account', id: this.session.principal.accountId });
      return 'cancelled';
    });
  }

  /** Takes a scheduled cancellation back. */
  @Page('account')
  @Post(':orgId/orders/:orderId/keep')
  async keep(@Param('orgId') orgId: string, @Param('orderId') orderId: string, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, OWNERS, 'club-billing', async (organizationId) => {
      await this.billing.withdrawCancellation(organizationId, uuid(orderId), { type: 'account', id: this.session.principal.accountId });
      return 'withdrawn';
    });
  }

  @Page('account')
  @Post(':orgId/orders/:orderId/plan')
  async changePlan(@Param('orgId') orgId: string, @Param('orderId') orderId: string, @Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const id = uuid(orderId);
    const value = text(body?.plan).trim().slice(0, 40);
    await this.act(orgId, response, OWNERS, 'club-billing', async (organizationId) => {
      if (!value) return { status: 400, state: { plan: { orderId: id, error: this.fieldText(this.texts.dashboard.billing.plan, { code: 'input.required' }) } } };
      await this.billing.changePlan(organizationId, id, value, { type: 'account', id: this.session.principal.accountId });
      return 'planChanged';
    }, (error) => {
      const problem = error.fields?.plan;
      return problem ? { status: httpStatusOf(error), state: { plan: { orderId: id, value, error: this.fieldText(this.texts.dashboard.billing.plan, problem) } } } : null;
    });
  }

  /** Stripe's customer portal (card, invoices), back to the dashboard afterwards. */
  @Page('account')
  @Post(':orgId/billing-portal')
  async billingPortal(@Param('orgId') orgId: string, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, BILLING, 'club-billing', async (organizationId) => {
      const url = await this.portal.openForOrganization(organizationId, { type: 'account', id: this.session.principal.accountId }, `${this.config.http.publicUrl}${clubPath(organizationId)}`);
      response.redirect(303, url);
      return null;
    });
  }

  // ------------------------------------------------------------------ apps

  /** A new admin password for one app, shown once on the page this answers with. */
  @Page('account')
  @Post(':orgId/tenants/:tenantId/apps/:app/admin-password')
  async resetAdminPassword(@Param('orgId') orgId: string, @Param('tenantId') tenantId: string, @Param('app') app: string, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, OWNERS, 'club-apps', async (organizationId) => {
      const tenant = await this.tenantOf(organizationId, tenantId);
      if (!APP.test(app)) throw new NotFoundError('App');
      const credential = await this.passwords.reset(tenant, app, this.session.principal.accountId);
      sendHtml(response, 200, renderResetResultPage(this.texts, organizationId, credential));
      return null;
    });
  }

  @Page('account')
  @Post(':orgId/tenants/:tenantId/exports')
  async startExport(@Param('orgId') orgId: string, @Param('tenantId') tenantId: string, @Res() response: Response): Promise<void> {
    await this.act(orgId, response, OWNERS, 'club-apps', async (organizationId) => {
      await this.instances.startExport(await this.tenantOf(organizationId, tenantId), this.session.principal.accountId);
      return 'exportStarted';
    });
  }

  @Page('account')
  @Get(':orgId/tenants/:tenantId/exports/:exportId')
  async downloadExport(@Param('orgId') orgId: string, @Param('tenantId') tenantId: string, @Param('exportId') exportId: string, @Res() response: Response): Promise<void> {
    const organizationId = uuid(orgId);
    assertOrganizationAccess(this.session.principal, organizationId, ALL_ROLES, 'Club');
    assertMemberRole(this.session.principal, organizationId, OWNERS, 'Club');
    const tenant = await this.tenantOf(organizationId, tenantId);
    const archive = await this.instances.openExport(tenant, uuid(exportId), this.session.principal.accountId);
    response.setHeader('Content-Type', 'application/gzip');
    response.setHeader('Content-Disposition', `attachment; filename="${archive.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    response.setHeader('Cache-Control', 'no-store');
    if (archive.sizeBytes !== null) response.setHeader('Content-Length', String(archive.sizeBytes));
    if (archive.sha256) response.setHeader('Digest', `sha-256=${Buffer.from(archive.sha256, 'hex').toString('base64')}`);
    await pipeline(archive.stream, response);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Runs one action of the dashboard: outsiders get "not found", an unconfirmed address the
   * request to confirm it first (403), a role that may not do it the page with the reason (403).
   * `run` returns the result to show after the redirect (`done`), or a refusal to show now, or
   * null when it answered itself. Domain errors become the page with the reason; nothing changed.
   */
  private async act(
    rawOrganizationId: string,
    response: Response,
    roles: readonly MembershipRole[],
    anchor: Anchor,
    run: (organizationId: string) => Promise<string | Refusal | null>,
    fieldRefusal?: (error: DomainError) => Refusal | null,
  ): Promise<void> {
    const organizationId = uuid(rawOrganizationId);
    const session = this.session;
    assertOrganizationAccess(session.principal, organizationId, ALL_ROLES, 'Club');
    if (!session.emailVerified) {
      const t = this.texts.session.verify.needed;
      return sendHtml(response, 403, renderMessagePage(this.texts, t.title, fill(t.body, { email: session.email })));
    }
    try {
      assertMemberRole(session.principal, organizationId, roles, 'Club');
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      return this.renderClub(response, organizationId, 403, { problem: this.roleRefusal(organizationId, roles) });
    }

    let outcome: string | Refusal | null;
    try {
      outcome = await run(organizationId);
    } catch (error) {
      if (!(error instanceof DomainError) || error instanceof NotFoundError) throw error;
      const refusal = fieldRefusal?.(error) ?? { status: httpStatusOf(error), state: { problem: this.refusalText(error) } };
      if (error instanceof TooManyRequestsError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
      return this.renderClub(response, organizationId, refusal.status, refusal.state);
    }
    if (outcome === null) return;
    if (typeof outcome === 'string') return response.redirect(303, `${clubPath(organizationId)}?done=${outcome}#${anchor}`);
    return this.renderClub(response, organizationId, outcome.status, outcome.state);
  }

  private async renderClub(response: Response, organizationId: string, status: number, state: Partial<ClubPageState>): Promise<void> {
    const session = this.session;
    const view = await this.dashboards.load(session.principal, organizationId);
    sendHtml(response, status, renderClubPage(this.texts, view, { email: session.email, emailVerified: session.emailVerified, ...state }));
  }

  /** The tenant, if it is this club's: an id from another club is "not found" here. */
  private async tenantOf(organizationId: string, rawTenantId: string): Promise<string> {
    const tenant = await this.tenants.find(uuid(rawTenantId));
    if (!tenant || tenant.organizationId !== organizationId) throw new NotFoundError('Tenant');
    return tenant.id;
  }

  private async cancelPage(organizationId: string, orderId: string) {
    const organization = await this.organizations.get(organizationId);
    const orders = await this.billing.forOrganization(organizationId);
    const entry = orders.find((candidate) => candidate.order.id === orderId);
    if (!entry) throw new NotFoundError('Order');
    const endsAt = entry.endsAt ?? entry.subscription?.currentPeriodEnd;
    if (!entry.cancellable || !endsAt) return null;
    return { organizationId, club: organization.name, orderId, endsAt, deleteAfter: this.billing.deletionAfter(endsAt) };
  }

  private roleRefusal(organizationId: string, roles: readonly MembershipRole[]): string {
    const t = this.texts.dashboard.refused;
    const role = this.session.principal.memberships.get(organizationId);
    if (!role) return t.operator;
    const words = this.texts.invitation.roles;
    return format(t.role, { roles: roles.map((candidate) => words[candidate] ?? candidate).join(' / '), role: words[role] ?? role });
  }

  /** Why an action did nothing, in the page's words (never a library's English message). */
  private refusalText(error: DomainError): string {
    const t = this.texts.dashboard.refused;
    if (error instanceof PaymentProviderUnavailableError || error.code === 'billing.portal_not_configured') return t.provider;
    if (error instanceof TooManyRequestsError) return t.tooManyInvitations;
    if (error instanceof ForbiddenError) return t.operator;
    const byCode: Record<string, string> = {
      'credentials.busy': t.busy,
      'credentials.not_running': t.notRunning,
      'credentials.no_reset': t.noReset,
      'credentials.reset_unreadable': t.resetFailed,
      'credentials.reset_failed': t.resetFailed,
      'billing.no_running_subscription': t.noSubscription,
      'billing.cancellation_scheduled': t.cancellationScheduled,
      'billing.no_subscription': t.noPortal,
      'billing.no_portal': t.noPortal,
      'invitation.unpaid_club': t.unpaid,
      'organization.last_owner': t.lastOwner,
      'export.not_possible': t.exportNotPossible,
    };
    if (byCode[error.code]) return byCode[error.code];
    if (error.fields) {
      const [name, problem] = Object.entries(error.fields)[0];
      return this.fieldText(name, problem);
    }
    return error instanceof UnavailableError ? t.provider : t.other;
  }

  private fieldText(label: string, problem: FieldProblem): string {
    return format(this.texts.errors.fieldProblem, { label, problem: problemWords(this.texts)(problem) });
  }
}

function uuid(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError('Page');
  return value.toLowerCase();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
