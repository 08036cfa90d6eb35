import type { DnsLookup } from './dns-resolver.port.js';
import { type DnsObservations, evaluateRecords, lookupsFor, type NameObservation, requiredRecords, verificationOutcome } from './dns-records.js';

const target = { hostName: 'gardeners.hosting.example', addresses: ['203.0.113.10', '2001:db8::10'] };
const ok = <T>(...records: T[]): DnsLookup<T> => ({ ok: true, records });
const nx: DnsLookup<never> = { ok: false, failure: 'nxdomain', detail: 'ENOTFOUND' };
const timeout: DnsLookup<never> = { ok: false, failure: 'timeout', detail: 'ETIMEOUT' };
const servfail: DnsLookup<never> = { ok: false, failure: 'servfail', detail: 'ESERVFAIL' };

function evaluate(name: string, observed: Record<string, NameObservation>, extra: Partial<Parameters<typeof requiredRecords>[0]> = {}) {
  const requirements = requiredRecords({ name, kind: 'custom', verificationToken: 'tok123', target, ...extra });
  return evaluateRecords(name, requirements, new Map(Object.entries(observed)) as DnsObservations, target);
}

describe('records a domain needs', () => {
  it('a custom subdomain: a CNAME to the tenant (or its addresses) and the verification TXT on its own name', () => {
    const records = requiredRecords({ name: 'chat.club.example', kind: 'custom', verificationToken: 'tok123', target });
    expect(records).toEqual([
      {
        purpose: 'address', check: 'dns.address', name: 'chat.club.example', required: true, managedBy: 'club',
        options: [
          [{ type: 'CNAME', name: 'chat.club.example', value: 'gardeners.hosting.example.' }],
          [{ type: 'A', name: 'chat.club.example', value: '203.0.113.10' }, { type: 'AAAA', name: 'chat.club.example', value: '2001:db8::10' }],
        ],
      },
      {
        purpose: 'verification', check: 'dns.verification', name: '_allmende-challenge.chat.club.example', required: true, managedBy: 'club',
        options: [[{ type: 'TXT', name: '_allmende-challenge.chat.club.example', value: 'allmende-verify=tok123' }]],
      },
    ]);
  });

  it('the top of a domain: A/AAAA first (no CNAME allowed there)', () => {
    const [address] = requiredRecords({ name: 'club.example', kind: 'custom', verificationToken: 't', target });
    expect(address.options[0].map((record) => record.type)).toEqual(['A', 'AAAA']);
    expect(address.options[1]).toEqual([{ type: 'CNAME', name: 'club.example', value: 'gardeners.hosting.example.' }]);
  });

  it('the XMPP domain: SRV records for clients and servers, and one for group chats', () => {
    const records = requiredRecords({ name: 'club.example', kind: 'custom', verificationToken: 't', target, xmpp: { clientPort: 31222, serverPort: 31269, groupchatDomain: 'conference.club.example' } });
    expect(records.slice(2)).toEqual([
      expect.objectContaining({ purpose: 'xmpp-client', name: '_xmpp-client._tcp.club.example', required: true, options: [[{ type: 'SRV', name: '_xmpp-client._tcp.club.example', value: '0 5 31222 gardeners.hosting.example.' }]] }),
      expect.objectContaining({ purpose: 'xmpp-server', name: '_xmpp-server._tcp.club.example', required: true, options: [[{ type: 'SRV', name: '_xmpp-server._tcp.club.example', value: '0 5 31269 gardeners.hosting.example.' }]] }),
      expect.objectContaining({ purpose: 'xmpp-groupchat', name: '_xmpp-server._tcp.conference.club.example', required: false }),
    ]);
  });

  it("the cooperative's own subdomain: its addresses, no verification, managed by the cooperative", () => {
    const records = requiredRecords({ name: target.hostName, kind: 'subdomain', verificationToken: null, target });
    expect(records).toEqual([expect.objectContaining({ purpose: 'address', managedBy: 'cooperative', options: [[{ type: 'A', name: target.hostName, value: '203.0.113.10' }, { type: 'AAAA', name: target.hostName, value: '2001:db8::10' }]] })]);
  });

  it('says which lookups it needs', () => {
    const requirements = requiredRecords({ name: 'club.example', kind: 'custom', verificationToken: 't', target });
    expect(lookupsFor(requirements)).toEqual([
      { name: 'club.example', type: 'CNAME' }, { name: 'club.example', type: 'A' }, { name: 'club.example', type: 'AAAA' },
      { name: '_allmende-challenge.club.example', type: 'TXT' },
    ]);
  });
});

describe('comparing what DNS answers', () => {
  const txtOk = { TXT: ok('allmende-verify=tok123') };

  it('is all ok when the CNAME points at the tenant and the TXT carries the token', () => {
    const results = evaluate('chat.club.example', {
      'chat.club.example': { CNAME: ok('gardeners.hosting.example'), A: ok('203.0.113.10'), AAAA: ok('2001:db8::10') },
      '_allmende-challenge.chat.club.example': txtOk,
    });
    expect(results.map((result) => result.status)).toEqual(['ok', 'ok']);
    expect(verificationOutcome(results)).toBe('present');
  });

  it('a name that does not exist: add the CNAME (a subdomain) or the A record (the top of a domain)', () => {
    const results = evaluate('chat.club.example', { 'chat.club.example': { CNAME: nx, A: nx, AAAA: nx }, '_allmende-challenge.chat.club.example': { TXT: nx } });
    expect(results).toEqual([
      { check: 'dns.address', subject: 'chat.club.example', status: 'failing', fix: { action: 'add', type: 'CNAME', name: 'chat.club.example', value: 'gardeners.hosting.example.' }, detail: 'chat.club.example does not exist in DNS' },
      { check: 'dns.verification', subject: '_allmende-challenge.chat.club.example', status: 'failing', fix: { action: 'add', type: 'TXT', name: '_allmende-challenge.chat.club.example', value: 'allmende-verify=tok123' }, detail: '_allmende-challenge.chat.club.example has no TXT record with the verification text' },
    ]);
    expect(verificationOutcome(results)).toBe('missing');
    const apex = evaluate('club.example', { 'club.example': { CNAME: ok(), A: ok(), AAAA: ok() } });
    expect(apex[0].fix).toEqual({ action: 'add', type: 'A', name: 'club.example', value: '203.0.113.10' });
  });

  it('an address elsewhere: change it, naming the current and the expected value', () => {
    const [address] = evaluate('club.example', { 'club.example': { CNAME: ok(), A: ok('198.51.100.7'), AAAA: ok() } });
    expect(address).toMatchObject({ status: 'failing', fix: { action: 'change', type: 'A', name: 'club.example', value: '203.0.113.10', current: '198.51.100.7' } });
  });

  it('one right and one stray address: remove the stray one', () => {
    const [address] = evaluate('club.example', { 'club.example': { CNAME: ok(), A: ok('203.0.113.10', '198.51.100.7'), AAAA: ok('2001:db8::10') } });
    expect(address).toMatchObject({ status: 'failing', fix: { action: 'remove', type: 'A', name: 'club.example', value: '198.51.100.7' } });
  });

  it('a CNAME to another host: change the CNAME', () => {
    const [address] = evaluate('chat.club.example', { 'chat.club.example': { CNAME: ok('old-host.example'), A: ok('198.51.100.7'), AAAA: ok() } });
    expect(address).toMatchObject({ status: 'failing', fix: { action: 'change', type: 'CNAME', name: 'chat.club.example', value: 'gardeners.hosting.example.', current: 'old-host.example.' } });
  });

  it('only IPv4 while the host has IPv6 too: a warning that suggests the AAAA record; verification still passes', () => {
    const results = evaluate('club.example', { 'club.example': { CNAME: ok(), A: ok('203.0.113.10'), AAAA: ok() }, '_allmende-challenge.club.example': txtOk });
    expect(results[0]).toMatchObject({ status: 'warning', fix: { action: 'add', type: 'AAAA', name: 'club.example', value: '2001:db8::10' } });
    expect(verificationOutcome(results)).toBe('present');
  });

  it('an old verification text: change it', () => {
    const [, txt] = evaluate('club.example', { 'club.example': { A: ok('203.0.113.10') }, '_allmende-challenge.club.example': { TXT: ok('v=spf1 -all', 'allmende-verify=old') } });
    expect(txt).toMatchObject({ status: 'failing', fix: { action: 'change', type: 'TXT', value: 'allmende-verify=tok123', current: 'allmende-verify=old' } });
  });

  it('tells a broken DNS (SERVFAIL) from a missing record, and a timeout decides nothing', () => {
    const broken = evaluate('club.example', { 'club.example': { CNAME: servfail, A: servfail, AAAA: servfail }, '_allmende-challenge.club.example': txtOk });
    expect(broken[0]).toMatchObject({ status: 'failing', detail: expect.stringContaining('SERVFAIL') });
    expect(broken[0].fix).toBeUndefined();
    expect(verificationOutcome(broken)).toBe('missing');
    const slow = evaluate('club.example', { 'club.example': { CNAME: timeout, A: timeout, AAAA: timeout }, '_allmende-challenge.club.example': txtOk });
    expect(slow[0]).toMatchObject({ status: 'warning', inconclusive: true });
    expect(verificationOutcome(slow)).toBe('unknown');
  });

  it('SRV records: ok when the port and host match, change when they differ, a warning for the group chat one', () => {
    const xmpp = { clientPort: 31222, serverPort: 31269, groupchatDomain: 'conference.club.example' };
    const results = evaluate(
      'club.example',
      {
        'club.example': { A: ok('203.0.113.10'), AAAA: ok('2001:db8::10') },
        '_allmende-challenge.club.example': txtOk,
        '_xmpp-client._tcp.club.example': { SRV: ok({ priority: 0, weight: 5, port: 31222, target: 'gardeners.hosting.example' }) },
        '_xmpp-server._tcp.club.example': { SRV: ok({ priority: 5, weight: 0, port: 5269, target: 'club.example' }) },
        '_xmpp-server._tcp.conference.club.example': { SRV: nx },
      },
      { xmpp },
    );
    expect(results.map((result) => [result.check, result.status])).toEqual([
      ['dns.address', 'ok'], ['dns.verification', 'ok'], ['dns.xmpp-client', 'ok'], ['dns.xmpp-server', 'failing'], ['dns.xmpp-groupchat', 'warning'],
    ]);
    expect(results[3].fix).toEqual({ action: 'change', type: 'SRV', name: '_xmpp-server._tcp.club.example', value: '0 5 31269 gardeners.hosting.example.', current: '5 0 5269 club.example.' });
    expect(results[4].fix).toEqual({ action: 'add', type: 'SRV', name: '_xmpp-server._tcp.conference.club.example', value: '0 5 31269 gardeners.hosting.example.' });
  });

  it("says so when the tenant's own host name has no address to compare with", () => {
    const [address] = evaluateRecords('club.example', requiredRecords({ name: 'club.example', kind: 'custom', verificationToken: 't', target: { ...target, addresses: [] } }), new Map([['club.example', { A: ok('203.0.113.10') }]]), { ...target, addresses: [] });
    expect(address).toMatchObject({ status: 'warning', inconclusive: true, detail: expect.stringContaining('operators') });
    expect(verificationOutcome([address])).toBe('unknown');
  });
});
