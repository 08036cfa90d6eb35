import type { CheckResult, DomainView, OwnerAddressesView, RecordRequirement } from '#provisioning';
import { en } from '../texts/en.js';
import { renderAddresses } from './address-pages.js';

const ORDER = '11111111-2222-4333-8444-555555555555';
const HOST = 'gardeners.hosting.test';

const address = (name: string, managedBy: RecordRequirement['managedBy'] = 'club'): RecordRequirement => ({
  purpose: 'address', check: 'dns.address', name, required: true, managedBy,
  options: [[{ type: 'CNAME', name, value: `${HOST}.` }], [{ type: 'A', name, value: '192.0.2.10' }]],
});
const proof = (name: string): RecordRequirement => ({
  purpose: 'verification', check: 'dns.verification', name: `_allmende-challenge.${name}`, required: true, managedBy: 'club',
  options: [[{ type: 'TXT', name: `_allmende-challenge.${name}`, value: 'allmende-verify=0123abcd' }]],
});
const srv = (name: string, managedBy: RecordRequirement['managedBy']): RecordRequirement => ({
  purpose: 'xmpp-client', check: 'dns.xmpp-client', name: `_xmpp-client._tcp.${name}`, required: true, managedBy,
  options: [[{ type: 'SRV', name: `_xmpp-client._tcp.${name}`, value: `0 5 5222 ${HOST}.` }]],
});

function domain(overrides: Partial<DomainView> & Pick<DomainView, 'name'>): DomainView {
  return {
    display: overrides.name, kind: 'custom', isPrimary: false, state: 'pending', served: false, verifiedAt: null, flaggedAt: null, withdrawalDue: null,
    withdrawnAt: null, releaseDue: null, checkedAt: null, records: [address(overrides.name), proof(overrides.name)], lastCheck: [], ...overrides,
  };
}

const subdomain = domain({ name: HOST, kind: 'subdomain', isPrimary: true, state: 'verified', served: true, records: [address(HOST, 'cooperative'), srv(HOST, 'cooperative')] });
const render = (view: OwnerAddressesView, extra = {}) => renderAddresses(en, ORDER, { view, email: 'chair@gardeners.test', ...extra }).toString();
const blockOf = (page: string, name: string) => page.slice(page.indexOf(`data-domain="${name}"`), page.indexOf('</div>', page.indexOf(`data-domain="${name}"`)));

describe('the addresses section of the order page', () => {
  it('shows only the sign-in form until an owner signs in', () => {
    const page = renderAddresses(en, ORDER, { email: 'x@y.test', signInError: en.addresses.signIn.refused }).toString();
    expect(page).toContain(`action="/order/${ORDER}/addresses"`);
    expect(page).toContain('id="addresses-password-error"');
    expect(page).not.toContain('formaction');
    expect(page).not.toContain('allmende-verify');
  });

  it('shows a pending domain with every record to create, and buttons to check and remove it', () => {
    const page = render({ domains: [subdomain, domain({ name: 'club.example' })], readiness: null });
    const block = blockOf(page, 'club.example');
    expect(block).toContain('your own domain: waiting for its DNS records, not served.');
    expect(block).toContain('Create these records at your DNS provider.');
    expect(block).toMatch(/<td>Where the name points<\/td>\s*<td><code>CNAME<\/code><\/td><td><code>club\.example<\/code><\/td><td><code>gardeners\.hosting\.test\.<\/code><\/td>/);
    expect(block).toMatch(/<td>or instead:<\/td>\s*<td><code>A<\/code><\/td>/);
    expect(block).toContain('<code>_allmende-challenge.club.example</code></td><td><code>allmende-verify=0123abcd</code>');
    expect(block).toContain(`formaction="/order/${ORDER}/domains/club.example/verify"`);
    expect(block).toContain(`formaction="/order/${ORDER}/domains/club.example/remove"`);
  });

  it("shows the cooperative's subdomain as ready with its SRV records made by the cooperative, and no buttons", () => {
    const block = blockOf(render({ domains: [subdomain], readiness: null }), HOST);
    expect(block).toContain('(main address)');
    expect(block).toContain('run by the cooperative: ready, served now.');
    expect(block).toContain('The cooperative creates these records for you');
    expect(block).toContain(`<code>_xmpp-client._tcp.${HOST}</code></td><td><code>0 5 5222 ${HOST}.</code>`);
    expect(block).not.toContain('<code>CNAME</code>');
    expect(block).not.toContain('formaction');
  });

  it('lists no records for a verified domain except its SRV records, and no remove button for the primary one', () => {
    const verified = domain({ name: 'chat.example', isPrimary: true, state: 'verified', served: true, records: [address('chat.example'), proof('chat.example'), srv('chat.example', 'club')] });
    const block = blockOf(render({ domains: [verified], readiness: null }), 'chat.example');
    expect(block).toContain('your own domain: verified, served now.');
    expect(block).toContain('_xmpp-client._tcp.chat.example');
    expect(block).not.toContain('allmende-verify');
    expect(block).not.toContain('<code>CNAME</code>');
    expect(block).toContain('/verify"');
    expect(block).not.toContain('/remove"');
  });

  it('says when a flagged domain is withdrawn and when an unverified claim is released', () => {
    const flagged = domain({ name: 'gone.example', state: 'flagged', served: true, withdrawalDue: new Date('2026-03-01T14:05:00Z') });
    const withdrawn = domain({ name: 'old.example', state: 'withdrawn', releaseDue: new Date('2026-04-02T08:00:00Z') });
    const page = render({ domains: [flagged, withdrawn], readiness: null });
    expect(blockOf(page, 'gone.example')).toContain('its DNS records are missing, served now.');
    expect(blockOf(page, 'gone.example')).toContain('We stop serving it on March 1, 2026 at 2:05 PM UTC unless the records come back.');
    expect(blockOf(page, 'old.example')).toContain('no longer served: its DNS records are missing, not served.');
    expect(blockOf(page, 'old.example')).toContain('If the records are not found by April 2, 2026 at 8:00 AM UTC, the name is released for others.');
  });

  it('shows an IDN in Unicode and punycode side by side, in the heading and the records', () => {
    const name = 'xn--grtner-bua.example';
    const page = render({ domains: [domain({ name, display: 'gärtner.example (xn--grtner-bua.example)' })], readiness: null });
    expect(page).toContain('<h3>gärtner.example (xn--grtner-bua.example)</h3>');
    expect(page).toContain('<code>_allmende-challenge.gärtner.example (_allmende-challenge.xn--grtner-bua.example)</code>');
  });

  it('escapes a hostile name and hostile check details everywhere', () => {
    const hostile = '<img src=x onerror=alert(1)>.example';
    const results: CheckResult[] = [{ check: 'dns.address', subject: hostile, status: 'failing', detail: '<script>x</script>' }];
    const page = render({ domains: [domain({ name: hostile })], readiness: { tenantId: 't', checkedAt: new Date(), status: 'failing', trigger: 'request', durationMs: 1, results } }, {
      domainValue: '"><script>alert(2)</script>',
      domainError: '<b>bad</b>',
    });
    expect(page).not.toMatch(/<img|<script|<b>/);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;.example');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    expect(page).toContain(`formaction="/order/${ORDER}/domains/${encodeURIComponent(hostile)}/verify"`);
  });

  it('shows the readiness report: each check, ok or not, and the fix the service names for a failing one', () => {
    const results: CheckResult[] = [
      { check: 'dns.verification', subject: 'club.example', status: 'failing', detail: 'missing', fix: { action: 'add', type: 'TXT', name: '_allmende-challenge.club.example', value: 'allmende-verify=0123abcd' } },
      { check: 'https.certificate', subject: HOST, status: 'ok', detail: 'valid for 80 days' },
      { check: 'wordpress.home', subject: HOST, status: 'warning', detail: 'old', fix: { current: 'http://old.example', expected: `https://${HOST}` } },
    ];
    const page = render({ domains: [subdomain], readiness: { tenantId: 't', checkedAt: new Date('2026-03-01T14:05:00Z'), status: 'failing', trigger: 'daily', durationMs: 9, results } });
    expect(page).toContain('Checked on March 1, 2026 at 2:05 PM UTC: 2 of 3 checks need attention.');
    expect(page).toMatch(/<td>Proof of ownership<\/td><td>club\.example<\/td><td>to fix<\/td>\s*<td><code>add TXT _allmende-challenge\.club\.example allmende-verify=0123abcd<\/code><\/td>/);
    expect(page).toMatch(/<td>HTTPS certificate<\/td><td>gardeners\.hosting\.test<\/td><td>OK<\/td>\s*<td><\/td>/);
    expect(page).toContain(`<code>${HOST}: currently http://old.example, expected https://${HOST}</code>`);
    expect(page).toContain(`formaction="/order/${ORDER}/readiness"`);
    expect(render({ domains: [subdomain], readiness: null })).toContain('Not checked yet.');
  });
});
