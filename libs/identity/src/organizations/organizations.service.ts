import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { Account, Membership, MembershipRole, Organization } from '../entities/index.js';
import { AuditActor, AuditLog } from '#domain';
import { ConflictError, cursorTimeSql, InvalidStateError, NotFoundError, type Page, type PageRequest, pageOf, problem, randomString, ValidationFailedError } from '#platform';
import { InvitationsService } from '../invitations/invitations.service.js';
import type { IdentityProblemCode } from '../problems.js';
import { AccountsService, normaliseEmail } from '../accounts/accounts.service.js';
import { CreateOrganizationInput, UpdateOrganizationInput } from './organizations.dto.js';
import { slugify } from './slug.js';

export interface CreatedOrganization {
  organization: Organization;
  owner: {
    email: string;
    /** The new owner account, when the address had none. */
    accountId?: string;
    /** Only when a new account was made; shown once. */
    initialPassword?: string;
    /** The address already has an account: it was invited (by mail) instead of being made owner. */
    invited?: boolean;
  };
}

export interface MemberView {
  id: string;
  accountId: string;
  email: string;
  displayName: string | null;
  role: MembershipRole;
  createdAt: Date;
}

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsService,
    private readonly audit: AuditLog,
    private readonly invitations: InvitationsService,
  ) {}

  /** The first payment of a club that ordered on the form makes it a customer (it may invite people from then on). */
  async confirm(organizationId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.update(Organization, { id: organizationId, confirmedAt: IsNull() }, { confirmedAt: new Date() });
  }

  async create(input: CreateOrganizationInput, actor: AuditActor): Promise<CreatedOrganization> {
    return this.dataSource.transaction(async (manager) => {
      const slug = input.slug ?? (await this.freeSlug(manager, slugify(input.name)));
      if (await manager.exists(Organization, { where: { slug } })) {
        throw new ConflictError('organization.slug_taken', `The handle "${slug}" is taken`, { slug: problem<IdentityProblemCode>('slug.taken') });
      }
      const organization = await manager.save(
        // an operator makes the club a customer
        manager.create(Organization, { name: input.name.trim(), slug, contactEmail: normaliseEmail(input.contactEmail), confirmedAt: new Date() }),
      );
      const email = normaliseEmail(input.owner.email);
      const existing = await manager.findOne(Account, { where: { email } });
      if (existing?.isOperator) {
        throw new ValidationFailedError({ 'owner.email': problem<IdentityProblemCode>('owner.operator') });
      }
      await this.audit.record(
        { actor, action: 'organization.created', target: { type: 'organization', id: organization.id }, organizationId: organization.id, details: { slug, owner: email } },
        manager,
      );
      if (existing) {
        // an account someone else may have made (the public order form proves no address):
        // only whoever reads that mailbox can accept, with the account's password
        await this.invitations.inviteOwner(manager, organization, email, actor);
        return { organization, owner: { email, invited: true } };
      }
      const initialPassword = randomString(20, 'readable');
      // the operator typed the address for the club: it counts as verified
      const owner = await this.accounts.create({ email, displayName: input.owner.displayName, password: initialPassword, address: 'verified' }, manager);
      await manager.insert(Membership, { organizationId: organization.id, accountId: owner.id, role: 'owner' });
      return { organization, owner: { accountId: owner.id, email: owner.email, initialPassword } };
    });
  }

  /**
   * A club that orders on the public form: its organization with the ordering account as
   * owner, in the order's transaction (so a failed order leaves no organization behind).
   */
  async createForOrder(manager: EntityManager, input: { name: string; contactEmail: string; ownerAccountId: string }, actor: AuditActor): Promise<Organization> {
    const slug = await this.freeSlug(manager, slugify(input.name));
    const organization = await manager.save(manager.create(Organization, { name: input.name, slug, contactEmail: normaliseEmail(input.contactEmail) }));
    await manager.insert(Membership, { organizationId: organization.id, accountId: input.ownerAccountId, role: 'owner' });
    await this.audit.record(
      { actor, action: 'organization.created', target: { type: 'organization', id: organization.id }, organizationId: organization.id, details: { slug, owner: input.contactEmail, via: 'order form' } },
      manager,
    );
    return organization;
  }

  /** A free slug based on `base`: base, base-2, base-3... */
  async freeSlug(manager: EntityManager, base: string): Promise<string> {
    const taken = new Set(
      (await manager.createQueryBuilder(Organization, 'o').select('o.slug', 'slug').where('o.slug like :prefix', { prefix: `${base}%` }).getRawMany<{ slug: string }>()).map(
        (row) => row.slug,
      ),
    );
    if (!taken.has(base)) return base;
    for (let n = 2; n < 10_000; n++) {
      const candidate = `${base.slice(0, 34)}-${n}`;
      if (!taken.has(candidate)) return candidate;
    }
    throw new ConflictError('organization.slug_taken', 'No free handle could be found; choose one');
  }

  /** Organizations by id (a member's own ones: few); every organization is paged through `page`. */
  list(ids: string[]): Promise<Organization[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource.manager.find(Organization, { where: { id: In(ids) }, order: { name: 'ASC' } });
  }

  /** Every organization, newest first, a page at a time (operators). */
  async page(request: PageRequest<[string, string]>): Promise<Page<Organization>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Organization, 'o')
      .addSelect(cursorTimeSql('o.created_at'), 'cursor_at')
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(request.limit + 1);
    if (request.after) query.where('(o.created_at, o.id) < (:at::timestamptz, :id::uuid)', { at: request.after[0], id: request.after[1] });
    const { entities, raw } = await query.getRawAndEntities<{ cursor_at: string; o_id: string }>();
    const cursorOf = new Map(raw.map((row) => [row.o_id, row.cursor_at]));
    return pageOf(entities, request.limit, (organization) => [cursorOf.get(organization.id)!, organization.id]);
  }

  /** Organizations by id, for lists that show the club of each row (one query per page). */
  async byIds(ids: readonly string[]): Promise<Map<string, Organization>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const organizations = await this.dataSource.manager.find(Organization, { where: { id: In(unique) } });
    return new Map(organizations.map((organization) => [organization.id, organization]));
  }

  /** One organization; pass the caller's manager to see one created in its transaction. */
  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<Organization> {
    const organization = await manager.findOne(Organization, { where: { id } });
    if (!organization) throw new NotFoundError('Organization');
    return organization;
  }

  async update(id: string, input: UpdateOrganizationInput, actor: AuditActor): Promise<Organization> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await manager.findOne(Organization, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!organization) throw new NotFoundError('Organization');
      const changes: Partial<Organization> = {};
      if (input.name !== undefined) changes.name = input.name.trim();
      if (input.contactEmail !== undefined) changes.contactEmail = normaliseEmail(input.contactEmail);
      Object.assign(organization, changes);
      await manager.save(organization);
      await this.audit.record({ actor, action: 'organization.updated', target: { type: 'organization', id }, organizationId: id, details: { fields: Object.keys(changes) } }, manager);
      return organization;
    });
  }

  async members(organizationId: string): Promise<MemberView[]> {
    const memberships = await this.dataSource.manager.find(Membership, {
      where: { organizationId },
      relations: { account: true },
      order: { createdAt: 'ASC' },
    });
    return memberships.map((m) => ({
      id: m.id,
      accountId: m.accountId,
      email: m.account!.email,
      displayName: m.account!.displayName,
      role: m.role,
      createdAt: m.createdAt,
    }));
  }

  async changeRole(organizationId: string, membershipId: string, role: MembershipRole, actor: AuditActor): Promise<MemberView> {
    await this.withMembership(organizationId, membershipId, async (manager, membership) => {
      if (membership.role === 'owner' && role !== 'owner') await this.assertAnotherOwner(manager, organizationId, membership.id);
      await manager.update(Membership, membership.id, { role });
      await this.audit.record(
        { actor, action: 'member.role_changed', target: { type: 'membership', id: membership.id }, organizationId, details: { from: membership.role, to: role } },
        manager,
      );
    });
    return (await this.members(organizationId)).find((m) => m.id === membershipId)!;
  }

  async removeMember(organizationId: string, membershipId: string, actor: AuditActor): Promise<void> {
    await this.withMembership(organizationId, membershipId, async (manager, membership) => {
      if (membership.role === 'owner') await this.assertAnotherOwner(manager, organizationId, membership.id);
      await manager.delete(Membership, membership.id);
      await this.audit.record(
        { actor, action: 'member.removed', target: { type: 'membership', id: membership.id }, organizationId, details: { accountId: membership.accountId } },
        manager,
      );
    });
  }

  /** Locks the organization row so concurrent role changes cannot remove the last owner between them. */
  private async withMembership(
    organizationId: string,
    membershipId: string,
    work: (manager: EntityManager, membership: Membership) => Promise<void>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
      const membership = await manager.findOne(Membership, { where: { id: membershipId, organizationId } });
      if (!membership) throw new NotFoundError('Member');
      await work(manager, membership);
    });
  }

  private async assertAnotherOwner(manager: EntityManager, organizationId: string, exceptMembershipId: string): Promise<void> {
    const owners = await manager.count(Membership, { where: { organizationId, role: 'owner' } });
    const isOwner = await manager.exists(Membership, { where: { id: exceptMembershipId, role: 'owner' } });
    if (owners - (isOwner ? 1 : 0) < 1) {
      throw new InvalidStateError('organization.last_owner', 'An organization needs at least one owner; make someone else owner first');
    }
  }
}
