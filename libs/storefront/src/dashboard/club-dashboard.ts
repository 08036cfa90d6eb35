import { Injectable } from '@nestjs/common';
import { ClubBilling, type ClubOrder, PaymentProvider } from '#billing';
import { type Plan, PlansService } from '#catalog';
import { ALL_ROLES, assertOrganizationAccess, InvitationsService, type InvitationView, type MembershipRole, type MemberView, OrganizationsService, type Principal } from '#identity';
import { AppConfig } from '#platform';
import { ClubInstances, type ClubInstance, TenantsService } from '#provisioning';

/** Everything one club's dashboard shows, for one person: what their role lets them see. */
export interface ClubView {
  organization: { id: string; name: string };
  /** The viewer's role; null for an operator who is not a member (they look, they do not act). */
  role: MembershipRole | null;
  viewer: { accountId: string };
  instances: ClubInstance[];
  plans: Map<string, Plan>;
  /** The order page of each instance, for those who see billing: where the addresses and the first admin logins are. */
  orderOfTenant: Map<string, string>;
  members: MemberView[];
  /** Owners only. */
  invitations: InvitationView[] | null;
  /** Owners and billing members (and operators). */
  billing: ClubOrder[] | null;
  settings: { httpsPort: number; bankAccount: string | null; provider: 'stripe' | 'manual'; retentionDays: number };
}

/** One club in the list of a person's clubs. */
export interface ClubSummary {
  id: string;
  name: string;
  role: MembershipRole;
  apps: { app: string; tenantState: string; state: string }[];
}

/** Who may see what: owners everything, billing members billing, members the apps (identity's roles). */
export const SEES_BILLING: readonly MembershipRole[] = ['owner', 'billing'];

/** Loads the dashboard of a club through the libraries' services; outsiders get NotFoundError (a 404 page). */
@Injectable()
export class ClubDashboards {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly invitations: InvitationsService,
    private readonly instances: ClubInstances,
    private readonly billing: ClubBilling,
    private readonly plans: PlansService,
    private readonly tenants: TenantsService,
    private readonly provider: PaymentProvider,
    private readonly config: AppConfig,
  ) {}

  /** The clubs the person belongs to, each with its apps' states, by name. */
  async clubsOf(principal: Principal): Promise<ClubSummary[]> {
    const organizations = await this.organizations.list([...principal.memberships.keys()]);
    return Promise.all(
      organizations.map(async (organization) => {
        const tenants = await this.tenants.listForOrganization(organization.id);
        const apps = (
          await Promise.all(
            tenants.map(async (tenant) => {
              const services = await this.tenants.services(tenant.id);
              const plan = services.length ? null : await this.tenants.planOf(tenant);
              // before provisioning there are no service rows yet: the plan says which apps are coming
              return services.length
                ? services.map((service) => ({ app: service.app, tenantState: tenant.state, state: service.state }))
                : (plan?.apps ?? []).map((app) => ({ app, tenantState: tenant.state, state: 'pending' }));
            }),
          )
        ).flat();
        return { id: organization.id, name: organization.name, role: principal.memberships.get(organization.id)!, apps };
      }),
    );
  }

  async load(principal: Principal, organizationId: string): Promise<ClubView> {
    assertOrganizationAccess(principal, organizationId, ALL_ROLES, 'Club');
    const role = principal.memberships.get(organizationId) ?? null;
    const seesBilling = role === null || SEES_BILLING.includes(role);
    const organization = await this.organizations.get(organizationId);
    const [instances, members, invitations, billing] = await Promise.all([
      this.instances.forOrganization(organizationId),
      this.organizations.members(organizationId),
      role === 'owner' ? this.invitations.pending(organizationId) : Promise.resolve(null),
      seesBilling ? this.billing.forOrganization(organizationId) : Promise.resolve(null),
    ]);
    const plans = await this.plans.byIds(instances.map((instance) => instance.tenant.planId));
    const orderOfTenant = new Map((billing ?? []).filter((entry) => entry.order.tenantId).map((entry) => [entry.order.tenantId!, entry.order.id]));
    return {
      organization: { id: organization.id, name: organization.name },
      role,
      viewer: { accountId: principal.accountId },
      instances,
      plans,
      orderOfTenant,
      members,
      invitations,
      billing,
      settings: { httpsPort: this.config.edge.httpsPort, bankAccount: this.config.billing.bankAccount ?? null, provider: this.provider.name, retentionDays: this.config.lifecycle.retentionDays },
    };
  }
}
