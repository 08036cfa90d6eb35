import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BillingSweeper, Order, Subscription, SubscriptionsService } from '#billing';
import { AuditEvent } from '#domain';
import { Account, ApiToken, Invitation, Membership } from '#identity';
import { ServiceInstance, TenantLifecycleService } from '#provisioning';
import { ClubEvents } from '../../libs/storefront/src/dashboard/club-events.js';
import { addMember, createClub, type Club } from '#test/support/fixtures.js';
import { WebClient } from '#test/support/web-client.js';
import { allEventsProcessed, type BillingStack, orderForm, outbox, startBillingStack, tenantOf, waitFor, waitForMailTo } from './billing-harness.js';

const SYSTEM = { type: 'system' as const, id: 'test' };
const PASSWORD = 'a-long-owner-password';

/** Two plans with the same app and one with another, so a plan change has somewhere to go and something to refuse. */
const PLANS = `plans:
  - { code: chat, name: Chat, description: Chat, apps: [prosody], price: { amount: 400, currency: EUR, interval: month }, stripePrice: allmende_chat_monthly }
  - { code: chat-plus, name: Chat plus, description: More chat, apps: [prosody], price: { amount: 700, currency: EUR, interval: month }, stripePrice: allmende_chat_plus_monthly }
  - { code: website, name: Website, description: A website, apps: [wordpress], price: { amount: 600, currency: EUR, interval: month }, stripePrice: allmende_website_monthly }
`;

/**
 * The club dashboard on a real Postgres: clubs of a person, one club's apps, members and billing,
 * the actions owners take there (cancel at period end, plan change, invitations), who may do
 * what, form tokens, unconfirmed addresses, expired sessions, and the live stream.
 */
describe('the club dashboard', () => {
  let stack: BillingStack;
  let plansDir: string;
  let orderId: string;
  let organizationId: string;
  let contactEmail: string;
  let owner: WebClient;

  const dataSource = () => stack.api.dataSource;
  const subscriptionOf = (id: string) => dataSource().manager.findOneByOrFail(Subscription, { orderId: id });

  /** An order through the public form, paid by bank transfer as an operator records it, its address confirmed. */
  async function paidClub(options: { verified?: boolean } = {}): Promise<{ orderId: string; organizationId: string; email: string }> {
    const form = orderForm({ plan: 'chat', password: PASSWORD });
    const response = await stack.api.http().post('/order').type('form').send(form).expect(303);
    const id = response.headers.location.split('/').pop()!;
    await stack.api.app.get(SubscriptionsService).recordManual(id, { outcome: 'paid' }, SYSTEM);
    const order = await dataSource().manager.findOneByOrFail(Order, { id });
    if (options.verified !== false) await dataSource().manager.update(Account, { email: form.contactEmail }, { emailVerifiedAt: new Date() });
    return { orderId: id, organizationId: order.organizationId, email: form.contactEmail };
  }

  beforeAll(async () => {
    plansDir = mkdtempSync(join(tmpdir(), 'allmende-plans-'));
    writeFileSync(join(plansDir, 'plans.yaml'), PLANS);
    stack = await startBillingStack({ env: { ALLMENDE_PLANS_FILE: join(plansDir, 'plans.yaml'), ALLMENDE_BANK_ACCOUNT: 'IBAN DE02 1203 0000 0000 2020 51, Allmende eG' } });
    const club = await paidClub();
    ({ orderId, organizationId } = club);
    contactEmail = club.email;
    // the apps as provisioning leaves them: running and healthy
    const tenant = await tenantOf(dataSource(), orderId);
    await dataSource().manager.update(ServiceInstance, { tenantId: tenant.id, app: 'prosody' }, { state: 'running', health: 'healthy' });
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', SYSTEM);
    owner = await WebClient.login(stack.api.app, contactEmail, PASSWORD);
  });

  afterAll(async () => {
    await stack?.close();
    if (plansDir) rmSync(plansDir, { recursive: true, force: true });
  });

  it('shows an owner their clubs and the dashboard: apps with their state, members with the roles explained, billing with the reference and bank details', async () => {
    const clubs = (await owner.open('/clubs')).text;
    expect(clubs).toContain(`href="/clubs/${organizationId}"`);
    expect(clubs).toContain('Your role: owner');
    expect(clubs).toContain('Chat (XMPP): running');
    expect(clubs).not.toContain('Please confirm your email address');

    const page = (await owner.open(`/clubs/${organizationId}`)).text;
    const order = await dataSource().manager.findOneByOrFail(Order, { id: orderId });
    const subscription = await subscriptionOf(orderId);
    expect(page).toContain('You are owner of this club.');
    expect(page).toMatch(/<article class="instance" data-tenant="[0-9a-f-]+" data-state="active"/);
    expect(page).toContain('data-app="prosody" data-state="running" data-health="healthy"');
    expect(page).toContain('<dt>Version</dt><dd>0.12</dd>');
    expect(page).toContain('No backup yet');
    expect(page).toContain('Owners manage the club here');
    expect(page).toContain('Billing members see the plan');
    expect(page).toContain(contactEmail);
    expect(page).toContain(`<code>${order.reference}</code>`);
    expect(order.reference).toMatch(/^AM-\d{4}-\d{4,}$/);
    expect(page).toContain('IBAN DE02 1203 0000 0000 2020 51, Allmende eG');
    expect(page).toContain(`Next payment</dt><dd>${new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(subscription.currentPeriodEnd!)}`);
    expect(page).toContain(`href="/clubs/${organizationId}/orders/${orderId}/cancel"`);
    // the plan with the same app is offered, the one with another app is not
    expect(page).toContain('value="chat-plus"');
    expect(page).not.toContain('value="website"');
    // without JavaScript the page refreshes itself; with it, the stream's address is there
    expect(page).toContain('<noscript><meta http-equiv="refresh" content="15"></noscript>');
    expect(page).toContain(`data-live-events="/clubs/${organizationId}/events?known=apps.`);

    // the same page in German
    const german = await WebClient.login(stack.api.app, contactEmail, PASSWORD, { language: 'de' });
    const de = (await german.open(`/clubs/${organizationId}`)).text;
    expect(de).toContain('Ihre Rolle in diesem Verein: Verwaltung.');
    expect(de).toContain('Wer was darf');
  });

  it('shows an account in two clubs both, each with its own role', async () => {
    const second = await createClub(stack.api, 'Beekeepers of Nordstadt');
    const account = await dataSource().manager.findOneByOrFail(Account, { email: contactEmail });
    await dataSource().manager.save(dataSource().manager.create(Membership, { organizationId: second.organizationId, accountId: account.id, role: 'member' }));
    const client = await WebClient.login(stack.api.app, contactEmail, PASSWORD);
    const clubs = (await client.open('/clubs')).text;
    expect(clubs).toContain(`href="/clubs/${organizationId}"`);
    expect(clubs).toContain(`href="/clubs/${second.organizationId}"`);
    expect(clubs).toContain('Beekeepers of Nordstadt');
    expect(clubs).toContain('Your role: member');
    const asMember = (await client.open(`/clubs/${second.organizationId}`)).text;
    expect(asMember).toContain('You are member of this club.');
    // members see apps and members, not billing, and no owner's forms
    expect(asMember).not.toContain('id="club-billing"');
    expect(asMember).not.toContain('action="/clubs/' + second.organizationId + '/invitations"');
  });

  describe('another club', () => {
    let stranger: Club;
    let client: WebClient;

    beforeAll(async () => {
      stranger = await createClub(stack.api, 'Chess Club');
      client = await WebClient.login(stack.api.app, stranger.owner.email, stranger.owner.password!);
    });

    it("gets 404 on this club's pages and actions, and nothing changes", async () => {
      const tenant = await tenantOf(dataSource(), orderId);
      const before = { subscription: await subscriptionOf(orderId), order: await dataSource().manager.findOneByOrFail(Order, { id: orderId }), audit: await dataSource().manager.count(AuditEvent) };
      for (const path of [`/clubs/${organizationId}`, `/clubs/${organizationId}/events`, `/clubs/${organizationId}/orders/${orderId}/cancel`, `/clubs/${organizationId}/tenants/${tenant.id}/exports/00000000-0000-4000-8000-000000000000`]) {
        const response = await client.agent.get(path);
        expect([path, response.status]).toEqual([path, 404]);
        expect(response.text).toContain('Not found');
        expect(response.text).not.toContain(contactEmail);
      }
      await client.open('/clubs');
      const posts: [string, Record<string, string>][] = [
        [`/clubs/${organizationId}/orders/${orderId}/cancel`, { confirm: 'yes' }],
        [`/clubs/${organizationId}/orders/${orderId}/keep`, {}],
        [`/clubs/${organizationId}/orders/${orderId}/plan`, { plan: 'chat-plus' }],
        [`/clubs/${organizationId}/invitations`, { email: 'spy@chess.example', role: 'billing' }],
        [`/clubs/${organizationId}/invitations/00000000-0000-4000-8000-000000000000/revoke`, {}],
        [`/clubs/${organizationId}/members/00000000-0000-4000-8000-000000000000/remove`, {}],
        [`/clubs/${organizationId}/billing-portal`, {}],
        [`/clubs/${organizationId}/tenants/${tenant.id}/apps/prosody/admin-password`, {}],
        [`/clubs/${organizationId}/tenants/${tenant.id}/exports`, {}],
      ];
      for (const [path, fields] of posts) {
        const response = await client.post(path, fields);
        expect([path, response.status]).toEqual([path, 404]);
      }
      // and this club's own ids do not reach the other club's tenant through its own address
      const own = await client.post(`/clubs/${stranger.organizationId}/tenants/${tenant.id}/exports`);
      expect(own.status).toBe(404);

      expect(await subscriptionOf(orderId)).toEqual(before.subscription);
      expect(await dataSource().manager.findOneByOrFail(Order, { id: orderId })).toEqual(before.order);
      expect(await dataSource().manager.countBy(Invitation, { email: 'spy@chess.example' })).toBe(0);
      expect(await dataSource().manager.count(AuditEvent)).toBe(before.audit);
    });
  });

  it('lets a member see the apps but not cancel, and a billing member see billing but not cancel', async () => {
    const member = await addMember(stack.api, organizationId, 'member');
    const treasurer = await addMember(stack.api, organizationId, 'billing');
    await dataSource().manager.update(Account, [member.accountId, treasurer.accountId], { emailVerifiedAt: new Date() });
    const memberClient = await WebClient.login(stack.api.app, member.email, member.password!);
    const page = (await memberClient.open(`/clubs/${organizationId}`)).text;
    expect(page).toContain('data-app="prosody"');
    expect(page).not.toContain('id="club-billing"');
    expect(page).not.toContain('admin-password');
    const refused = await memberClient.post(`/clubs/${organizationId}/orders/${orderId}/cancel`, { confirm: 'yes' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Only owner of the club can do this; you are member.');
    // the confirmation page is for owners too
    await memberClient.agent.get(`/clubs/${organizationId}/orders/${orderId}/cancel`).expect(403);

    const treasurerClient = await WebClient.login(stack.api.app, treasurer.email, treasurer.password!);
    const billing = (await treasurerClient.open(`/clubs/${organizationId}`)).text;
    expect(billing).toContain('id="club-billing"');
    expect(billing).not.toContain(`/orders/${orderId}/cancel`);
    const alsoRefused = await treasurerClient.post(`/clubs/${organizationId}/orders/${orderId}/cancel`, { confirm: 'yes' });
    expect(alsoRefused.status).toBe(403);
    const reset = await treasurerClient.post(`/clubs/${organizationId}/tenants/${(await tenantOf(dataSource(), orderId)).id}/apps/prosody/admin-password`);
    expect(reset.status).toBe(403);
    expect((await subscriptionOf(orderId)).cancelAtPeriodEnd).toBe(false);
  });

  it('refuses a form without its token with 403, and changes nothing', async () => {
    await owner.open(`/clubs/${organizationId}`);
    const bare = await owner.agent.post(`/clubs/${organizationId}/orders/${orderId}/cancel`).type('form').send({ confirm: 'yes' });
    expect(bare.status).toBe(403);
    expect(bare.text).toContain('This form has expired');
    const wrong = await owner.agent.post(`/clubs/${organizationId}/invitations`).type('form').send({ email: 'x@example.org', role: 'member', _csrf: 'A'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect((await subscriptionOf(orderId)).cancelAtPeriodEnd).toBe(false);
    expect(await dataSource().manager.countBy(Invitation, { email: 'x@example.org' })).toBe(0);
  });

  it('cancels at the end of the paid period after a confirmation step, queues the letter with the date, and can take it back', async () => {
    const subscription = await subscriptionOf(orderId);
    const ends = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(subscription.currentPeriodEnd!);
    const deleted = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(subscription.currentPeriodEnd!.getTime() + 30 * 86_400_000));

    const confirm = (await owner.open(`/clubs/${organizationId}/orders/${orderId}/cancel`)).text;
    expect(confirm).toContain(`Your apps keep running until ${ends}.`);
    expect(confirm).toContain(`we keep your data and a final export until ${deleted}`);
    // without the tick nothing happens
    const unconfirmed = await owner.post(`/clubs/${organizationId}/orders/${orderId}/cancel`, {});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('Tick the box to confirm');
    expect((await subscriptionOf(orderId)).cancelAtPeriodEnd).toBe(false);

    const done = await owner.post(`/clubs/${organizationId}/orders/${orderId}/cancel`, { confirm: 'yes' }).expect(303);
    expect(done.headers.location).toBe(`/clubs/${organizationId}?done=cancelled#club-billing`);
    const after = await subscriptionOf(orderId);
    expect(after).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancelAt: subscription.currentPeriodEnd });
    // the subscription keeps running until then
    expect((await tenantOf(dataSource(), orderId)).state).toBe('active');
    expect(await dataSource().manager.countBy(AuditEvent, { targetId: subscription.id, action: 'subscription.cancellation_scheduled' })).toBe(1);

    const letter = await waitForMailTo(stack.api.config.dataDir, contactEmail, 'ends on');
    expect(letter).toContain(`ends on ${ends}`);
    expect(letter).toContain(`until ${deleted}`);
    expect(letter).toContain(`/clubs/${organizationId}`);
    expect(letter).toMatch(/export/i);

    const page = (await owner.open(done.headers.location)).text;
    expect(page).toContain('Your cancellation is confirmed.');
    expect(page).toContain(`Your subscription ends on ${ends}.`);
    expect(page).not.toContain('value="chat-plus"'); // no plan change while it ends

    // asking again changes nothing and mails nothing more
    await owner.post(`/clubs/${organizationId}/orders/${orderId}/cancel`, { confirm: 'yes' }).expect(303);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outbox(stack.api.config.dataDir).filter((mail) => mail.includes('ends on'))).toHaveLength(1);

    // changed their mind
    await owner.post(`/clubs/${organizationId}/orders/${orderId}/keep`).expect(303);
    expect(await subscriptionOf(orderId)).toMatchObject({ cancelAtPeriodEnd: false, cancelAt: null });
  });

  it('ends a bank-transfer subscription when the cancelled period is over: the tenant then terminates', async () => {
    const club = await paidClub();
    const client = await WebClient.login(stack.api.app, club.email, PASSWORD);
    await client.open(`/clubs/${club.organizationId}`);
    await client.post(`/clubs/${club.organizationId}/orders/${club.orderId}/cancel`, { confirm: 'yes' }).expect(303);
    const sweeper = stack.worker!.get(BillingSweeper);
    expect(await sweeper.endCancelled(new Date())).toBe(0); // not before the date
    const { currentPeriodEnd } = await subscriptionOf(club.orderId);
    expect(await sweeper.endCancelled(new Date(currentPeriodEnd!.getTime() + 1000))).toBe(1);
    expect((await subscriptionOf(club.orderId)).status).toBe('canceled');
    expect((await tenantOf(dataSource(), club.orderId)).state).toBe('terminating');
  });

  it('changes the plan to one with the same apps from the next payment, and refuses bad input naming the field', async () => {
    await owner.open(`/clubs/${organizationId}`);
    const other = await owner.post(`/clubs/${organizationId}/orders/${orderId}/plan`, { plan: 'website' });
    expect(other.status).toBe(400);
    expect(other.text).toContain('Plan has other apps than your plan');
    const unknown = await owner.post(`/clubs/${organizationId}/orders/${orderId}/plan`, { plan: 'gold' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Plan is not a plan that can be ordered.');
    const empty = await owner.post(`/clubs/${organizationId}/orders/${orderId}/plan`, {});
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Plan is required.');
    const same = await owner.post(`/clubs/${organizationId}/orders/${orderId}/plan`, { plan: 'chat' });
    expect(same.status).toBe(400);
    expect((await dataSource().manager.findOneByOrFail(Order, { id: orderId })).amountCents).toBe(400);

    const changed = await owner.post(`/clubs/${organizationId}/orders/${orderId}/plan`, { plan: 'chat-plus' }).expect(303);
    expect(changed.headers.location).toBe(`/clubs/${organizationId}?done=planChanged#club-billing`);
    const order = await dataSource().manager.findOneByOrFail(Order, { id: orderId });
    expect(order.amountCents).toBe(700);
    const tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.planId).toBe(order.planId);
    expect(await dataSource().manager.countBy(AuditEvent, { targetId: orderId, action: 'order.plan_changed' })).toBe(1);
    const page = (await owner.open(changed.headers.location)).text;
    expect(page).toContain('Your plan is changed.');
    expect(page).toContain('€7.00 per month');
  });

  it('invites a billing member and revokes the invitation, with field errors in the form', async () => {
    await owner.open(`/clubs/${organizationId}`);
    const bad = await owner.post(`/clubs/${organizationId}/invitations`, { email: 'not an address', role: 'chief' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter an email address like name@example.org.');
    expect(bad.text).toContain('Choose billing member or member.');
    expect(bad.text).toContain('value="not an address"');

    const invited = await owner.post(`/clubs/${organizationId}/invitations`, { email: 'Treasurer@Example.org', role: 'billing' }).expect(303);
    expect(invited.headers.location).toBe(`/clubs/${organizationId}?done=invited#club-members`);
    const invitation = await dataSource().manager.findOneByOrFail(Invitation, { organizationId, email: 'treasurer@example.org' });
    expect(invitation.role).toBe('billing');
    const page = (await owner.open(invited.headers.location)).text;
    expect(page).toContain(`data-invitation="${invitation.id}"`);

    await owner.post(`/clubs/${organizationId}/invitations/${invitation.id}/revoke`).expect(303);
    expect((await dataSource().manager.findOneByOrFail(Invitation, { id: invitation.id })).revokedAt).not.toBeNull();
  });

  it('lets an unconfirmed account look, offers to send the link again, and refuses every action', async () => {
    const club = await paidClub({ verified: false });
    const client = await WebClient.login(stack.api.app, club.email, PASSWORD);
    const clubs = (await client.open('/clubs')).text;
    expect(clubs).toContain('Please confirm your email address');
    expect(clubs).toContain('action="/account/verification"');
    const page = (await client.open(`/clubs/${club.organizationId}`)).text;
    expect(page).toContain('Please confirm your email address');

    for (const [path, fields] of [
      [`/clubs/${club.organizationId}/orders/${club.orderId}/cancel`, { confirm: 'yes' }],
      [`/clubs/${club.organizationId}/invitations`, { email: 'friend@example.org', role: 'member' }],
      [`/clubs/${club.organizationId}/orders/${club.orderId}/plan`, { plan: 'chat-plus' }],
    ] as const) {
      const response = await client.post(path, fields);
      expect([path, response.status]).toEqual([path, 403]);
      expect(response.text).toContain('Please confirm your email address first');
    }
    expect((await subscriptionOf(club.orderId)).cancelAtPeriodEnd).toBe(false);
    expect(await dataSource().manager.countBy(Invitation, { email: 'friend@example.org' })).toBe(0);
    // the own pending order stays reachable as before
    await client.agent.get(`/order/${club.orderId}`).expect(200);

    const sent = await client.post('/account/verification').expect(303);
    expect(sent.headers.location).toBe('/clubs?verification=sent');
    expect((await client.open(sent.headers.location)).text).toContain(`A new link is on its way to ${club.email}`);
  });

  it('sends an expired session to the login page, and after logging in back to the club', async () => {
    const client = await WebClient.login(stack.api.app, contactEmail, PASSWORD);
    const account = await dataSource().manager.findOneByOrFail(Account, { email: contactEmail });
    await dataSource().manager.update(ApiToken, { accountId: account.id, kind: 'session' }, { expiresAt: new Date(Date.now() - 1000) });
    const response = await client.agent.get(`/clubs/${organizationId}`).expect(303);
    expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(`/clubs/${organizationId}`)}`);
    const login = (await client.open(response.headers.location)).text;
    expect(login).toContain('Please log in again to continue.');
    const back = await client.post('/login', { email: contactEmail, password: PASSWORD, next: `/clubs/${organizationId}` }).expect(303);
    expect(back.headers.location).toBe(`/clubs/${organizationId}`);
    expect((await client.open(back.headers.location)).text).toContain('You are owner of this club.');
    owner = client;
  });

  it('streams a changed part of the page when the tenant changes, and stops when the browser goes away', async () => {
    const cookie = await sessionCookie(contactEmail, PASSWORD);
    const events = stack.api.app.get(ClubEvents);
    const stream = await openStream(`${stack.url}/clubs/${organizationId}/events`, cookie);
    try {
      expect(stream.response.statusCode).toBe(200);
      expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      // without "known", the first read sends every part
      await waitFor('the first parts', async () => stream.text().includes('"id":"apps"') && stream.text().includes('"id":"billing"'));
      expect(events.openStreams).toBeGreaterThan(0);

      const tenant = await tenantOf(dataSource(), orderId);
      const seen = stream.text().length;
      await dataSource().manager.update(ServiceInstance, { tenantId: tenant.id, app: 'prosody' }, { health: 'degraded', healthDetail: 'prosody restarted 2 times' });
      await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'payment_failed', SYSTEM);
      const event = await waitFor(
        'the event of the changed tenant',
        async () => stream.events().slice().reverse().find((candidate) => candidate.id === 'apps' && candidate.html.includes('data-state="past_due"') && stream.text().length > seen),
        10_000,
      );
      expect(event.html).toContain('data-health="degraded"');
      expect(event.html).toContain('a payment is overdue');
      expect(event.hash).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      stream.close();
    }
    await waitFor('the stream to close', async () => stack.api.app.get(ClubEvents).openStreams === 0, 5000);
  });

  /** Logs in with the real form over HTTP and returns the session cookie. */
  async function sessionCookie(email: string, password: string): Promise<string> {
    const agent = request.agent(stack.url);
    const form = await agent.get('/login').expect(200);
    const token = /name="_csrf" value="([A-Za-z0-9_-]{43})"/.exec(form.text)![1];
    const response = await agent.post('/login').type('form').send({ email, password, _csrf: token }).expect(303);
    const line = (response.headers['set-cookie'] as unknown as string[]).find((cookie) => cookie.startsWith('allmende_session='))!;
    return line.split(';')[0];
  }
});

interface OpenStream {
  response: IncomingMessage;
  text(): string;
  events(): { id: string; hash: string; html: string }[];
  close(): void;
}

/** An EventSource's view of the stream: the raw text, and the section events in it. */
function openStream(url: string, cookie: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { Cookie: cookie, Accept: 'text/event-stream' } }, (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (received += chunk));
      resolve({
        response,
        text: () => received,
        events: () =>
          received
            .split('\n\n')
            .filter((block) => block.startsWith('event: section\n'))
            .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6))),
        close: () => req.destroy(),
      });
    });
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
  });
}

/** The same actions when Stripe bills: Stripe is told, and its webhooks agree with what the dashboard wrote. */
describe('the club dashboard with Stripe', () => {
  let stack: BillingStack;
  let plansDir: string;

  beforeAll(async () => {
    plansDir = mkdtempSync(join(tmpdir(), 'allmende-plans-'));
    writeFileSync(join(plansDir, 'plans.yaml'), PLANS);
    stack = await startBillingStack({ stripe: true, env: { ALLMENDE_PLANS_FILE: join(plansDir, 'plans.yaml') } });
  });

  afterAll(async () => {
    await stack?.close();
    if (plansDir) rmSync(plansDir, { recursive: true, force: true });
  });

  const dataSource = () => stack.api.dataSource;

  async function paidThroughStripe() {
    const form = orderForm({ plan: 'chat', password: PASSWORD });
    const response = await stack.api.http().post('/order').type('form').send(form).expect(303);
    const sessionId = response.headers.location.split('/').pop()!;
    const order = await dataSource().manager.findOneByOrFail(Order, { checkoutSessionId: sessionId });
    const { subscription } = await stack.stripe!.completeCheckout(sessionId);
    await allEventsProcessed(dataSource());
    await dataSource().manager.update(Account, { email: form.contactEmail }, { emailVerifiedAt: new Date() });
    const client = await WebClient.login(stack.api.app, form.contactEmail, PASSWORD);
    await client.open(`/clubs/${order.organizationId}`);
    return { order, subscriptionId: subscription.id, client, email: form.contactEmail };
  }

  it('cancels at period end through Stripe (cancel_at_period_end), keeps running until then, and takes it back', async () => {
    const { order, subscriptionId, client, email } = await paidThroughStripe();
    await client.post(`/clubs/${order.organizationId}/orders/${order.id}/cancel`, { confirm: 'yes' }).expect(303);
    const atStripe = stack.stripe!.state.subscriptions.get(subscriptionId)!;
    expect(atStripe).toMatchObject({ status: 'active', cancel_at_period_end: true });
    const update = stack.stripe!.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}`).pop()!;
    expect(update.params).toEqual({ cancel_at_period_end: 'true' });
    expect(update.idempotencyKey).toMatch(/^allmende-cancel-/);

    // Stripe's webhook says the same a moment later; the row agrees with both
    await stack.stripe!.waitForDeliveries();
    await allEventsProcessed(dataSource());
    const row = await dataSource().manager.findOneByOrFail(Subscription, { orderId: order.id });
    expect(row).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect(row.cancelAt?.getTime()).toBe(atStripe.items.data[0].current_period_end * 1000);
    expect((await tenantOf(dataSource(), order.id)).state).toBe('provisioning');
    await waitForMailTo(stack.api.config.dataDir, email, 'ends on');

    await client.post(`/clubs/${order.organizationId}/orders/${order.id}/keep`).expect(303);
    expect(stack.stripe!.state.subscriptions.get(subscriptionId)).toMatchObject({ cancel_at_period_end: false });
    await stack.stripe!.waitForDeliveries();
    await allEventsProcessed(dataSource());
    expect(await dataSource().manager.findOneByOrFail(Subscription, { orderId: order.id })).toMatchObject({ cancelAtPeriodEnd: false, cancelAt: null });
  });

  it("changes the plan's price at Stripe from the next invoice (no proration), and opens the portal with the way back to the dashboard", async () => {
    const { order, subscriptionId, client } = await paidThroughStripe();
    await client.post(`/clubs/${order.organizationId}/orders/${order.id}/plan`, { plan: 'chat-plus' }).expect(303);
    const item = stack.stripe!.state.subscriptions.get(subscriptionId)!.items.data[0];
    expect(item.price).toMatchObject({ unit_amount: 700, lookup_key: 'allmende_chat_plus_monthly' });
    const update = stack.stripe!.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}`).pop()!;
    expect(update.params).toMatchObject({ proration_behavior: 'none', items: [{ id: item.id, price: item.price.id }] });
    expect((await dataSource().manager.findOneByOrFail(Order, { id: order.id })).amountCents).toBe(700);
    // the next renewal charges the new price
    const renewal = await stack.stripe!.renew(subscriptionId);
    expect(renewal.invoice!.amount_paid).toBe(700);

    const portal = await client.post(`/clubs/${order.organizationId}/billing-portal`).expect(303);
    expect(portal.headers.location).toMatch(new RegExp(`^${stack.stripe!.baseUrl}/p/session/bps_`));
    const request = stack.stripe!.requests.filter((r) => r.path === '/v1/billing_portal/sessions').pop()!;
    expect(request.params).toMatchObject({ return_url: `${stack.url}/clubs/${order.organizationId}` });
  });
});
