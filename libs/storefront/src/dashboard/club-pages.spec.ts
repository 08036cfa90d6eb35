import type { ClubOrder } from '#billing';
import type { Plan } from '#catalog';
import type { ClubInstance } from '#provisioning';
import { de } from '../texts/de.js';
import { en } from '../texts/en.js';
import { writeCancellationLetter } from './cancellation-letter.js';
import type { ClubView } from './club-dashboard.js';
import { parseKnown, sectionEvent } from './club-events.js';
import { liveHash, liveSections, renderClubPage, renderResetResultPage } from './club-pages.js';

const ORG = '11111111-2222-4333-8444-555555555555';
const TENANT = '22222222-3333-4444-8555-666666666666';
const ORDER = '33333333-4444-4555-8666-777777777777';
const ME = '44444444-5555-4666-8777-888888888888';

// the fields the dashboard reads; a plan has more (what it includes, its translations)
const plan = (code: string, priceCents: number): Plan =>
  ({ id: `plan-${code}`, code, name: code === 'chat' ? 'Chat' : 'Chat plus', description: '', apps: ['prosody'], priceCents, currency: 'EUR', interval: 'month', stripePrice: null, orderable: true, createdAt: new Date(), updatedAt: new Date() }) as Plan;

function instance(overrides: Partial<ClubInstance['tenant']> = {}): ClubInstance {
  return {
    tenant: { id: TENANT, slug: 'chess', state: 'active', planId: 'plan-chat', primaryDomain: 'chess.hosting.test', graceEndsAt: null, deleteDataAfter: null, failureReason: null, stateChangedAt: new Date(), createdAt: new Date(), ...overrides },
    domains: ['chess.hosting.test'],
    apps: [{ app: 'prosody', version: '0.12', state: 'running', health: 'healthy', healthDetail: null, storageBytes: 12_500_000, admin: { username: 'admin@chess.hosting.test', loginUrl: 'xmpp:admin@chess.hosting.test', revealedAt: new Date('2026-03-01T10:00:00Z') }, canResetPassword: true }],
    health: 'healthy',
    operation: null,
    backups: { lastSuccessfulBackupAt: new Date('2026-03-02T02:00:00Z'), lastVerifiedRestoreAt: null, nextBackupAt: null },
    readiness: null,
    exports: [{ id: '55555555-6666-4777-8888-999999999999', state: 'completed', sizeBytes: 3_400_000, createdAt: new Date('2026-03-03T10:00:00Z'), completedAt: new Date('2026-03-03T10:01:00Z'), expiresAt: new Date('2026-03-10T10:00:00Z') }],
  };
}

function order(overrides: Partial<ClubOrder> = {}): ClubOrder {
  return {
    order: { id: ORDER, reference: 'AM-2026-0042', state: 'paid', paymentProvider: 'manual', amountCents: 400, currency: 'EUR', createdAt: new Date('2026-02-01T00:00:00Z'), paidAt: new Date('2026-02-02T00:00:00Z'), tenantId: TENANT, planId: 'plan-chat' },
    plan: plan('chat', 400),
    subscription: { status: 'active', currentPeriodEnd: new Date('2026-04-02T00:00:00Z'), cancelAtPeriodEnd: false, cancelAt: null },
    nextPaymentAt: new Date('2026-04-02T00:00:00Z'),
    endsAt: null,
    cancellable: true,
    switchablePlans: [plan('chat-plus', 700)],
    hasPortal: false,
    ...overrides,
  };
}

function view(role: ClubView['role'], overrides: Partial<ClubView> = {}): ClubView {
  return {
    organization: { id: ORG, name: 'Chess <Club> & Co' },
    role,
    viewer: { accountId: ME },
    instances: [instance()],
    plans: new Map([['plan-chat', plan('chat', 400)]]),
    orderOfTenant: new Map([[TENANT, ORDER]]),
    members: [
      { id: 'm1', accountId: ME, email: 'chair@chess.example', displayName: null, role: 'owner', createdAt: new Date('2026-01-01T00:00:00Z') },
      { id: 'm2', accountId: 'other', email: 'kasse@chess.example', displayName: null, role: 'billing', createdAt: new Date('2026-01-02T00:00:00Z') },
    ],
    invitations: role === 'owner' ? [] : null,
    billing: role === 'member' ? null : [order()],
    settings: { httpsPort: 443, bankAccount: 'IBAN DE02 1203 0000 0000 2020 51', provider: 'manual', retentionDays: 30 },
    ...overrides,
  };
}

const state = { email: 'chair@chess.example', emailVerified: true };

describe('the club dashboard page', () => {
  it("escapes the club's name and shows owners every action", () => {
    const page = renderClubPage(en, view('owner'), state).toString();
    expect(page).toContain('<h1>Chess &lt;Club&gt; &amp; Co</h1>');
    expect(page).not.toContain('<Club>');
    expect(page).toContain(`action="/clubs/${ORG}/tenants/${TENANT}/apps/prosody/admin-password"`);
    expect(page).toContain(`action="/clubs/${ORG}/tenants/${TENANT}/exports"`);
    expect(page).toContain(`href="/clubs/${ORG}/orders/${ORDER}/cancel"`);
    expect(page).toContain(`action="/clubs/${ORG}/invitations"`);
    expect(page).toContain('value="chat-plus"');
    expect(page).toContain('href="xmpp:chess.hosting.test"');
    expect(page).toContain('12.5 MB at the last backup');
    expect(page).toContain('IBAN DE02 1203 0000 0000 2020 51');
    expect(page).toContain('<code>AM-2026-0042</code>');
    // every form carries its token
    expect(page.match(/<form method="post"/g)!.length).toBe(page.match(/name="_csrf"/g)!.length);
  });

  it('shows a member the apps and the members, but no billing and no action of owners', () => {
    const page = renderClubPage(en, view('member'), state).toString();
    expect(page).toContain('data-app="prosody"');
    expect(page).not.toContain('id="club-billing"');
    expect(page).not.toContain('admin-password');
    expect(page).not.toContain('/exports');
    expect(page).not.toContain('/invitations');
    expect(page).not.toContain('/remove');
  });

  it('shows a billing member the billing and the portal, not the cancellation or the plan change', () => {
    const page = renderClubPage(en, view('billing', { billing: [order({ hasPortal: true, order: { ...order().order, paymentProvider: 'stripe' } })] }), state).toString();
    expect(page).toContain('id="club-billing"');
    expect(page).toContain(`action="/clubs/${ORG}/billing-portal"`);
    expect(page).not.toContain('/cancel"');
    expect(page).not.toContain('value="chat-plus"');
  });

  it('says when a cancelled subscription ends and when the data goes, in German too', () => {
    const ending = view('owner', { billing: [order({ endsAt: new Date('2026-04-02T00:00:00Z'), nextPaymentAt: null, switchablePlans: [] })] });
    expect(renderClubPage(en, ending, state).toString()).toContain('Your subscription ends on April 2, 2026. Your data is kept until May 2, 2026; export it before then.');
    expect(renderClubPage(de, ending, state).toString()).toContain('Ihr Abonnement endet am 2. April 2026. Ihre Daten bleiben bis 2. Mai 2026 erhalten');
    expect(renderClubPage(en, ending, state).toString()).toContain(`action="/clubs/${ORG}/orders/${ORDER}/keep"`);
  });

  it('shows progress while an operation runs, and the banner of an unconfirmed address', () => {
    const busy = instance({ state: 'provisioning' });
    busy.operation = { id: 'op', kind: 'provision', state: 'running', progress: 40, steps: [{ name: 'deploy', title: 'Create containers', state: 'running' }], createdAt: new Date(), finishedAt: null };
    const page = renderClubPage(en, view('owner', { instances: [busy] }), { email: 'chair@chess.example', emailVerified: false }).toString();
    expect(page).toContain('Setting up: 40 % done');
    expect(page).toContain('<progress id="progress-' + TENANT + '" max="100" value="40">');
    expect(page).toContain('Please confirm your email address: open the link we sent to chair@chess.example.');
    expect(page).toContain('action="/account/verification"');
  });

  it('names the live parts by a fingerprint the stream compares, and the page hands the stream what it shows', () => {
    const owner = view('owner');
    const live = liveSections(en, owner);
    const page = renderClubPage(en, owner, state).toString();
    expect(page).toContain(`data-live="apps" data-live-hash="${liveHash(live.apps)}"`);
    expect(page).toContain(`known=apps.${liveHash(live.apps)},members.${liveHash(live.members)},billing.${liveHash(live.billing!)}`);
    // a change of state changes the fingerprint
    const changed = liveSections(en, view('owner', { instances: [instance({ state: 'past_due', graceEndsAt: new Date('2026-04-16T00:00:00Z') })] }));
    expect(liveHash(changed.apps)).not.toBe(liveHash(live.apps));
    expect(changed.apps.toString()).toContain('running, a payment is overdue (until April 16, 2026)');
  });

  it('shows the new admin password once, escaped', () => {
    const page = renderResetResultPage(en, ORG, { app: 'prosody', username: 'admin@chess.hosting.test', loginUrl: 'xmpp:admin@chess.hosting.test', revealedAt: new Date(), password: 'abc<def>' }).toString();
    expect(page).toContain('<code class="secret">abc&lt;def&gt;</code>');
    expect(page).toContain('This page is shown only once.');
  });
});

describe('the live stream', () => {
  it('accepts only known parts with a 16-digit fingerprint from the page', () => {
    expect([...parseKnown('apps.0123456789abcdef,members.fedcba9876543210,billing.xyz,evil.0123456789abcdef')]).toEqual([
      ['apps', '0123456789abcdef'],
      ['members', 'fedcba9876543210'],
    ]);
    expect(parseKnown(undefined).size).toBe(0);
    expect(parseKnown(['apps.0123456789abcdef']).size).toBe(0);
    expect(parseKnown('x'.repeat(500)).size).toBe(0);
  });

  it('sends a part as one event of one data line, whatever the HTML holds', () => {
    const event = sectionEvent('apps', '<p>line one\nline two</p>', '0123456789abcdef');
    expect(event.startsWith('event: section\ndata: {')).toBe(true);
    expect(event.endsWith('}\n\n')).toBe(true);
    expect(event.split('\n')).toHaveLength(4);
    expect(JSON.parse(event.split('\n')[1].slice('data: '.length))).toEqual({ id: 'apps', hash: '0123456789abcdef', html: '<p>line one\nline two</p>' });
  });
});

describe('the cancellation letter', () => {
  const values = { club: 'Chess Club', plan: 'Chat', reference: 'AM-2026-0042', endsAt: '2026-04-02T00:00:00.000Z', deleteAfter: '2026-05-02T00:00:00.000Z', link: 'https://hosting.example/clubs/abc' };

  it('says when the service ends, when the data is deleted, and where to export, in the reader’s language', () => {
    const english = writeCancellationLetter(values, en);
    expect(english.subject).toBe('Your subscription for Chess Club ends on April 2, 2026');
    expect(english.text).toContain('your apps keep running until April 2, 2026');
    expect(english.text).toContain('We keep your data and a final export until May 2, 2026');
    expect(english.text).toContain('make an export of your data on your dashboard');
    expect(english.text).toContain('https://hosting.example/clubs/abc');
    const german = writeCancellationLetter(values, de);
    expect(german.subject).toBe('Ihr Abonnement für Chess Club endet am 2. April 2026');
    expect(german.text).toContain('bis zum 2. Mai 2026 auf');
  });

  it('writes a dash for a date it was not given, never "Invalid Date"', () => {
    expect(writeCancellationLetter({ ...values, endsAt: 'nonsense' }, en).subject).toBe('Your subscription for Chess Club ends on -');
  });
});
