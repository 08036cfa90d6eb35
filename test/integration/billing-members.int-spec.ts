import { AccountsService } from '#identity';
import { Invitation, Membership } from '#identity';
import { addMember, createClub, type Club } from '#test/support/fixtures.js';
import { auditActions, type BillingStack, outbox, startBillingStack, waitForMail } from './billing-harness.js';

/** Owners invite members by email; the link in the mail (written to the outbox here) lets them join. */
describe('invitations', () => {
  let stack: BillingStack;
  let club: Club;

  beforeAll(async () => {
    stack = await startBillingStack({ worker: false });
    club = await createClub(stack.api, 'Chess & Go Club');
  });

  afterAll(async () => {
    await stack?.close();
  });

  const http = () => stack.api.http();
  const invite = (email: string, role: string, auth = club.owner.auth) => http().post(`/api/v1/organizations/${club.organizationId}/invitations`).set(auth).send({ email, role });
  const linkIn = (eml: string) => /http:\/\/127\.0\.0\.1:\d+\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(eml)![1];

  it('mails a link to the invited person and stores only the token hash', async () => {
    const response = await invite('Treasurer@Chess.Example', 'billing').expect(201);
    expect(response.body).toMatchObject({ email: 'treasurer@chess.example', role: 'billing' });
    expect(JSON.stringify(response.body)).not.toMatch(/token/i);
    const mails = await waitForMail(stack.api.config.dataDir, 1);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('To: treasurer@chess.example');
    expect(mails[0]).toContain('Subject: Invitation to Chess & Go Club on Allmende');
    const token = linkIn(mails[0]);
    const stored = await stack.api.dataSource.manager.createQueryBuilder(Invitation, 'i').addSelect('i.tokenHash').where('i.id = :id', { id: response.body.id }).getOneOrFail();
    expect(stored.tokenHash).not.toContain(token);
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await auditActions(stack.api.dataSource, response.body.id)).toEqual(['member.invited']);
  });

  it('lets a new person join by choosing a password; the link works once', async () => {
    const token = linkIn(outbox(stack.api.config.dataDir)[0]);
    const page = await http().get(`/invitation?token=${token}`).expect(200);
    expect(page.text).toContain('Join Chess &amp; Go Club');
    expect(page.text).toContain('as billing member');
    await http().post('/invitation').type('form').send({ token, password: 'short' }).expect(400);
    const accepted = await http().post('/invitation').type('form').send({ token, password: 'treasurer-password' }).expect(200);
    expect(accepted.text).toContain('Welcome to Chess &amp; Go Club');
    const account = await stack.api.app.get(AccountsService).authenticate('treasurer@chess.example', 'treasurer-password');
    expect(account).not.toBeNull();
    const membership = await stack.api.dataSource.manager.findOneByOrFail(Membership, { organizationId: club.organizationId, accountId: account!.id });
    expect(membership.role).toBe('billing');
    await http().get(`/invitation?token=${token}`).expect(404);
    await http().post('/invitation').type('form').send({ token, password: 'treasurer-password' }).expect(404);
  });

  it('asks an existing account for its password', async () => {
    const other = await createClub(stack.api);
    await invite(other.owner.email, 'member').expect(201);
    const token = linkIn((await waitForMail(stack.api.config.dataDir, 2)).pop()!);
    expect((await http().get(`/invitation?token=${token}`).expect(200)).text).toContain('You already have an account');
    const wrong = await http().post('/invitation').type('form').send({ token, password: 'not-the-password' }).expect(401);
    expect(wrong.text).toContain('The password is wrong.');
    await http().post('/invitation').type('form').send({ token, password: other.owner.password }).expect(200);
    expect((await stack.api.dataSource.manager.findOneByOrFail(Membership, { organizationId: club.organizationId, accountId: other.owner.accountId })).role).toBe('member');
    await invite(other.owner.email, 'member').expect(409);
  });

  it('lists and revokes pending invitations; a revoked link no longer works', async () => {
    const created = await invite('later@chess.example', 'member').expect(201);
    const token = linkIn((await waitForMail(stack.api.config.dataDir, 3)).pop()!);
    const list = await http().get(`/api/v1/organizations/${club.organizationId}/invitations`).set(club.owner.auth).expect(200);
    expect(list.body.map((i: { email: string }) => i.email)).toEqual(['later@chess.example']);
    await http().delete(`/api/v1/organizations/${club.organizationId}/invitations/${created.body.id}`).set(club.owner.auth).expect(204);
    await http().delete(`/api/v1/organizations/${club.organizationId}/invitations/${created.body.id}`).set(club.owner.auth).expect(404);
    await http().get(`/invitation?token=${token}`).expect(404);
    await http().get('/invitation?token=not-a-token').expect(404);
  });

  it('is for owners: billing members and members are refused, outsiders see nothing', async () => {
    const billing = await addMember(stack.api, club.organizationId, 'billing');
    const member = await addMember(stack.api, club.organizationId, 'member');
    await invite('x@chess.example', 'member', billing.auth).expect(403);
    await invite('x@chess.example', 'member', member.auth).expect(403);
    const outsider = await createClub(stack.api);
    await invite('x@chess.example', 'member', outsider.owner.auth).expect(404);
    const bad = await invite('x@chess.example', 'owner').expect(400);
    expect(bad.body.fields).toEqual({ role: 'must be one of billing, member' });
    expect(await stack.api.dataSource.manager.countBy(Invitation, { email: 'x@chess.example' })).toBe(0);
  });
});
