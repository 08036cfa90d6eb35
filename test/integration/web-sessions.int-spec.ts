import request from 'supertest';
import { ApiToken } from '#identity';
import { type ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { createClub, type Club } from '#test/support/fixtures.js';
import { formTokenIn, WebClient } from '#test/support/web-client.js';
import { outbox, waitForMailTo } from './billing-harness.js';

const setCookies = (response: request.Response): string[] => (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];

/** Logging in on the web: the session cookie, form tokens, password reset by mail, language. */
describe('web sessions', () => {
  let harness: ApiHarness;
  let club: Club;

  beforeAll(async () => {
    harness = await startApiHarness();
    club = await createClub(harness, 'Model Railway Society');
  });

  afterAll(async () => {
    await harness?.close();
  });

  const bare = () => request(harness.app.getHttpServer());
  const sessionsOf = (accountId: string) => harness.dataSource.manager.find(ApiToken, { where: { accountId, kind: 'session', name: 'web login' } });

  it('logs in with the form: an HttpOnly, SameSite cookie, and back to where the person wanted to go', async () => {
    const client = WebClient.anonymous(harness.app);
    const page = await client.open('/login?next=%2Fclubs%2Fsomewhere');
    expect(page.text).toContain('name="next" value="/clubs/somewhere"');
    expect(setCookies(page).join(';')).toMatch(/allmende_visit=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax/);

    const wrong = await client.post('/login', { email: club.owner.email, password: 'not-the-password-at-all', next: '/clubs/somewhere' }).expect(401);
    expect(wrong.text).toContain('The email address or the password is wrong.');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const right = await client.post('/login', { email: club.owner.email.toUpperCase(), password: club.owner.password!, next: '/clubs/somewhere' }).expect(303);
    expect(right.headers.location).toBe('/clubs/somewhere');
    const cookie = setCookies(right).find((line: string) => line.startsWith('allmende_session='))!;
    expect(cookie).toMatch(/^allmende_session=alm_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain('Secure');
    expect(await sessionsOf(club.owner.accountId)).toHaveLength(1);

    // logged in, the navigation says so and its logout form carries a token bound to the session
    const home = await client.open('/');
    expect(home.text).toContain('action="/logout"');
    expect(formTokenIn(home.text)).not.toBe(formTokenIn(page.text));
  });

  it('never sends the person to another site after login', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const client = WebClient.anonymous(harness.app);
      await client.open('/login');
      const response = await client.post('/login', { email: club.owner.email, password: club.owner.password!, next }).expect(303);
      expect(response.headers.location).toBe('/clubs');
    }
  });

  it('refuses a form posted without its token, or with another visitor’s, and changes nothing', async () => {
    const before = (await sessionsOf(club.owner.accountId)).length;
    const refused = await bare().post('/login').type('form').send({ email: club.owner.email, password: club.owner.password! }).expect(403);
    expect(refused.text).toContain('This form has expired');
    expect(refused.headers['set-cookie']).toBeUndefined();

    const other = WebClient.anonymous(harness.app);
    await other.open('/login');
    const stranger = WebClient.anonymous(harness.app);
    await stranger.open('/login');
    stranger.csrf = other.csrf; // a token seen elsewhere does not fit this visitor
    await stranger.post('/login', { email: club.owner.email, password: club.owner.password! }).expect(403);
    expect(await sessionsOf(club.owner.accountId)).toHaveLength(before);

    const before2 = outbox(harness.config.dataDir).length;
    await bare().post('/password-reset').type('form').send({ email: club.owner.email }).expect(403);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outbox(harness.config.dataDir)).toHaveLength(before2);
  });

  it('logs out only with the form token; the session then stops working', async () => {
    await harness.dataSource.manager.update(ApiToken, { accountId: club.owner.accountId, kind: 'session', name: 'web login' }, { revokedAt: new Date() });
    const client = await WebClient.login(harness.app, club.owner.email, club.owner.password!);
    const token = client.csrf;
    client.csrf = 'x'.repeat(43);
    await client.post('/logout').expect(403);
    const [session] = (await sessionsOf(club.owner.accountId)).filter((row) => !row.revokedAt);
    expect(session.revokedAt).toBeNull();

    client.csrf = token;
    const out = await client.post('/logout').expect(303);
    expect(out.headers.location).toBe('/login?done=logout');
    expect((await harness.dataSource.manager.findOneByOrFail(ApiToken, { id: session.id })).revokedAt).not.toBeNull();
    const again = await client.open('/login?done=logout');
    expect(again.text).toContain('You are logged out.');
    expect(again.text).not.toContain('action="/logout"');
  });

  it('returns an expired session to the login page, and after logging in to where the person was', async () => {
    const client = await WebClient.login(harness.app, club.owner.email, club.owner.password!);
    await harness.dataSource.manager.update(ApiToken, { accountId: club.owner.accountId, kind: 'session', name: 'web login' }, { expiresAt: new Date(Date.now() - 1000) });
    const target = `/clubs/${club.organizationId}`;
    const away = await client.agent.get(target).expect(303);
    expect(away.headers.location).toBe(`/login?next=${encodeURIComponent(target)}`);
    const page = await client.open(away.headers.location);
    expect(page.text).toContain('Please log in again to continue.');
    const back = await client.post('/login', { email: club.owner.email, password: club.owner.password!, next: target }).expect(303);
    expect(back.headers.location).toBe(target);
  });

  it('sets a new password with a mailed link: once, and every old session ends', async () => {
    const client = await WebClient.login(harness.app, club.owner.email, club.owner.password!);
    const anonymous = WebClient.anonymous(harness.app);
    await anonymous.open('/password-reset');
    const unknown = await anonymous.post('/password-reset', { email: 'nobody@nowhere.example' }).expect(200);
    const known = await anonymous.post('/password-reset', { email: club.owner.email }).expect(200);
    // the same words whether or not the address has an account
    expect(unknown.text.replace('nobody@nowhere.example', 'X')).toBe(known.text.replace(club.owner.email, 'X'));
    const bad = await anonymous.post('/password-reset', { email: '' }).expect(400);
    expect(bad.text).toContain('Enter the email address of your account.');

    const mail = await waitForMailTo(harness.config.dataDir, club.owner.email, 'password-reset');
    expect(mail).toContain('Subject: A new password for Allmende');
    expect(outbox(harness.config.dataDir).some((eml) => eml.includes('To: nobody@nowhere.example'))).toBe(false);
    const token = /password-reset\/new\?token=([A-Za-z0-9_-]{43})/.exec(mail)![1];

    const form = await anonymous.open(`/password-reset/new?token=${token}`);
    expect(form.text).toContain('Choose a new password');
    const short = await anonymous.post('/password-reset/new', { token, password: 'short' }).expect(400);
    expect(short.text).toContain('between 12 and 200 characters');
    const done = await anonymous.post('/password-reset/new', { token, password: 'a-brand-new-password' }).expect(303);
    expect(done.headers.location).toBe('/login?done=password');

    // the session opened with the old password is over; the link is spent
    await client.agent.get(`/clubs/${club.organizationId}`).expect(303);
    await anonymous.open(`/password-reset/new?token=${token}`, 404);
    await anonymous.post('/password-reset/new', { token, password: 'another-new-password' }).expect(404);
    await WebClient.login(harness.app, club.owner.email, 'a-brand-new-password');
    await expect(WebClient.login(harness.app, club.owner.email, club.owner.password!)).rejects.toThrow(/login .* failed: 401/);
    club.owner.password = 'a-brand-new-password';
  });

  it('speaks the visitor’s language: Accept-Language, then a choice that is remembered', async () => {
    const german = await bare().get('/login').set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.5').expect(200);
    expect(german.text).toContain('<html lang="de">');
    expect(german.text).toContain('href="/language/en?next=%2Flogin"');

    const client = WebClient.anonymous(harness.app);
    const chosen = await client.agent.get('/language/de?next=%2Flogin').set('Accept-Language', 'en').expect(303);
    expect(chosen.headers.location).toBe('/login');
    expect((await client.agent.get('/login').set('Accept-Language', 'en').expect(200)).text).toContain('<html lang="de">');
    expect((await client.agent.get('/login?lang=en').expect(200)).text).toContain('<html lang="en">');
    await client.agent.get('/language/xx').expect(404);
    expect((await client.agent.get('/language/en?next=//evil.example').expect(303)).headers.location).toBe('/');
  });
});

describe('web sessions under HTTPS', () => {
  let harness: ApiHarness;
  const bare = () => request(harness.app.getHttpServer());

  beforeAll(async () => {
    harness = await startApiHarness({ ALLMENDE_PUBLIC_URL: 'https://coop.example' });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('uses __Host- cookies with Secure, so a club’s site on a sibling name cannot set them', async () => {
    const club = await createClub(harness, 'Choir');
    const client = WebClient.anonymous(harness.app);
    const page = await client.agent.get('/login').expect(200);
    const visit = setCookies(page).join(';');
    expect(visit).toMatch(/__Host-allmende_visit=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    const cookie = setCookies(page)[0].split(';')[0];
    const response = await bare()
      .post('/login')
      .set('Cookie', cookie)
      .type('form')
      .send({ email: club.owner.email, password: club.owner.password!, _csrf: formTokenIn(page.text) })
      .expect(303);
    expect(setCookies(response).join(';')).toMatch(/__Host-allmende_session=alm_[^;]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax/);
  });
});
