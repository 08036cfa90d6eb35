import { TENANT_STATES } from '#domain';
import { renderSite } from '#edge';
import { chooseHostPorts, edgeSiteOf, type EdgeSiteInput, siteStateOf } from './edge-site-plan.js';

const TENANT = '3f1c2a9e-8b7d-4c6e-9f00-123456789abc';
const input = (changes: Partial<EdgeSiteInput> = {}): EdgeSiteInput => ({
  tenant: { id: TENANT, state: 'active' },
  network: 'alm-gardeners',
  domains: [
    { name: 'gardeners.allmende.localhost', kind: 'subdomain', verificationState: 'verified' },
    { name: 'garten.example.org', kind: 'custom', verificationState: 'verified' },
    { name: 'pending.example.org', kind: 'custom', verificationState: 'pending' },
  ],
  routes: [
    { container: 'alm-gardeners-prosody-prosody', port: 5280, paths: ['/http-bind', '/xmpp-websocket'] },
    { container: 'alm-gardeners-wordpress-web', port: 8080 },
  ],
  certificateHosts: ['gardeners.allmende.localhost', 'conference.gardeners.allmende.localhost'],
  ...changes,
});

describe('siteStateOf: the edge follows the tenant', () => {
  it('serves running tenants, pauses suspended ones, answers 404 for ended ones, knows nothing of unpaid orders', () => {
    const states = Object.fromEntries(TENANT_STATES.map((state) => [state, siteStateOf(state)]));
    expect(states).toEqual({
      ordered: null, awaiting_payment: null, provisioning: 'serving', active: 'serving', past_due: 'serving',
      suspended: 'paused', terminating: 'gone', terminated: 'gone', failed: 'gone',
    });
  });
});

describe('edgeSiteOf', () => {
  it('serves the subdomain and verified custom domains with every app route, the group chat name for its certificate only', () => {
    const site = edgeSiteOf(input())!;
    expect(site.state).toBe('serving');
    expect(site.hosts.map((host) => [host.name, host.certificate, host.routes.length])).toEqual([
      ['conference.gardeners.allmende.localhost', true, 0],
      ['gardeners.allmende.localhost', true, 2],
      ['garten.example.org', true, 2],
    ]);
    expect(site.hosts[1].routes[0]).toEqual({ kind: 'proxy', upstream: { container: 'alm-gardeners-prosody-prosody', port: 5280 }, paths: ['/http-bind', '/xmpp-websocket'] });
    expect(() => renderSite(site)).not.toThrow(); // what the edge library accepts
  });

  it('keeps a flagged custom domain (records lost, grace running) and drops a withdrawn one', () => {
    const names = (state: string) => edgeSiteOf(input({ domains: [{ name: 'gardeners.allmende.localhost', kind: 'subdomain', verificationState: 'verified' }, { name: 'garten.example.org', kind: 'custom', verificationState: state }] }))!.hosts.map((host) => host.name);
    expect(names('flagged')).toContain('garten.example.org');
    expect(names('withdrawn')).not.toContain('garten.example.org');
  });

  it('shows the paused page with the notice for a suspended tenant, and no notice otherwise', () => {
    const notice = { clubName: 'Gardeners', paymentUrl: 'https://coop.example/' };
    expect(edgeSiteOf(input({ tenant: { id: TENANT, state: 'suspended' }, notice }))).toMatchObject({ state: 'paused', notice });
    expect(edgeSiteOf(input({ notice }))).not.toHaveProperty('notice');
    expect(edgeSiteOf(input({ tenant: { id: TENANT, state: 'terminated' } }))!.state).toBe('gone');
  });

  it('lets provisioning publish before the tenant is active, and has nothing for an unpaid order or a tenant without names', () => {
    expect(edgeSiteOf(input({ tenant: { id: TENANT, state: 'awaiting_payment' } }))).toBeNull();
    expect(edgeSiteOf(input({ tenant: { id: TENANT, state: 'awaiting_payment' }, state: 'serving' }))!.state).toBe('serving');
    expect(edgeSiteOf(input({ domains: [], certificateHosts: [] }))).toBeNull();
  });
});

describe('chooseHostPorts', () => {
  it('takes the lowest free ports of the range, and says when it is full', () => {
    expect(chooseHostPorts(2, new Set([20000, 20002]), { from: 20000, to: 20010 })).toEqual([20001, 20003]);
    expect(chooseHostPorts(2, new Set([20000]), { from: 20000, to: 20001 })).toBeNull();
    expect(chooseHostPorts(0, new Set(), { from: 20000, to: 20000 })).toEqual([]);
  });
});
