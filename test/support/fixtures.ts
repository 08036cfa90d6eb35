import { randomBytes } from 'node:crypto';
import { Membership, MembershipRole } from '#identity';
import { AccountsService, OrganizationsService } from '#identity';
import type { ApiHarness } from './api-harness.js';

export interface Session {
  accountId: string;
  email: string;
  token: string;
  auth: { Authorization: string };
  password?: string;
}

export interface Club {
  organizationId: string;
  slug: string;
  owner: Session;
}

const unique = () => randomBytes(4).toString('hex');

/** Logs in through the real endpoint and returns the bearer token. */
export async function login(harness: ApiHarness, email: string, password: string): Promise<Session> {
  const response = await harness.http().post('/api/v1/auth/login').send({ email, password }).expect(200);
  const token: string = response.body.token;
  return { accountId: response.body.account.id, email, token, auth: { Authorization: `Bearer ${token}` }, password };
}

export async function createOperator(harness: ApiHarness): Promise<Session> {
  const email = `operator-${unique()}@coop.example`;
  const password = `operator-password-${unique()}`;
  await harness.app.get(AccountsService).create({ email, password, isOperator: true });
  return login(harness, email, password);
}

export async function createClub(harness: ApiHarness, name = `Club ${unique()}`): Promise<Club> {
  const email = `owner-${unique()}@club.example`;
  const created = await harness.app
    .get(OrganizationsService)
    .create({ name, contactEmail: email, owner: { email } }, { type: 'system', id: 'test' });
  const owner = await login(harness, email, created.owner.initialPassword!);
  return { organizationId: created.organization.id, slug: created.organization.slug, owner };
}

export async function addMember(harness: ApiHarness, organizationId: string, role: MembershipRole): Promise<Session & { membershipId: string }> {
  const email = `${role}-${unique()}@club.example`;
  const password = `member-password-${unique()}`;
  const account = await harness.app.get(AccountsService).create({ email, password });
  const membership = await harness.dataSource.manager.save(harness.dataSource.manager.create(Membership, { organizationId, accountId: account.id, role }));
  return { ...(await login(harness, email, password)), membershipId: membership.id };
}
