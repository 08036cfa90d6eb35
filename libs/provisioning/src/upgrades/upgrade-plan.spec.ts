import { resolve } from 'node:path';
import { loadTemplates } from '#catalog';
import { estimateDowntime, type FleetMember, medianSeconds, planFleetUpgrade, selects } from './upgrade-plan.js';

const prosody = loadTemplates(resolve(process.cwd(), 'templates')).get('prosody')!;

const member = (slug: string, changes: Partial<FleetMember> = {}): FleetMember => ({
  tenantId: `id-${slug}`, slug, state: 'active', hostId: 'host-a', version: '0.12', pinned: false, busy: false, window: null, ...changes,
});

describe('planFleetUpgrade (the dry run)', () => {
  it('says per tenant what is replaced, which hooks run and how long it is away, or why it is skipped', () => {
    const plan = planFleetUpgrade(
      prosody,
      '13.0',
      [
        member('gardeners', { window: { weekday: 2, hour: 2, hours: 3 } }),
        member('chess', { pinned: true }),
        member('railway', { state: 'suspended' }),
        member('choir', { busy: true }),
        member('bees', { version: '13.0' }),
      ],
      {},
      null,
    );
    expect(plan[0]).toEqual({
      tenantId: 'id-gardeners', slug: 'gardeners', action: 'upgrade', from: '0.12', to: '13.0', replaced: ['prosody'], hooks: [],
      downtimeSeconds: estimateDowntime(prosody, ['prosody'], 0), downtimeBasis: 'estimated', window: 'Tuesday 02:00-05:00 UTC',
    });
    expect(plan.slice(1).map((entry) => entry.action === 'skip' && [entry.slug, entry.reason])).toEqual([
      ['chess', 'pinned'], ['railway', 'not_running'], ['choir', 'busy'], ['bees', 'current'],
    ]);
  });

  it('uses measured downtime when earlier upgrades give one', () => {
    const [entry] = planFleetUpgrade(prosody, '13.0', [member('gardeners')], {}, 7);
    expect(entry).toMatchObject({ downtimeSeconds: 7, downtimeBasis: 'measured' });
    expect(medianSeconds([9, 3, 5])).toBe(5);
    expect(medianSeconds([])).toBeNull();
  });

  it('selects by tenant, version, host and state; every list given narrows it', () => {
    const a = member('a');
    const b = member('b', { hostId: 'host-b', version: '13.0' });
    expect(selects({}, a)).toBe(true);
    expect(selects({ hostIds: ['host-b'] }, a)).toBe(false);
    expect(selects({ hostIds: ['host-b'], fromVersions: ['13.0'] }, b)).toBe(true);
    expect(selects({ tenantIds: ['id-a'], states: ['suspended'] }, a)).toBe(false);
    expect(planFleetUpgrade(prosody, '13.0', [a, b], { fromVersions: ['0.12'] }, null).map((entry) => entry.slug)).toEqual(['a']);
  });

  it('refuses a skipped required step per tenant', () => {
    const [entry] = planFleetUpgrade(prosody, '0.12', [member('bees', { version: '13.0' })], {}, null);
    expect(entry).toMatchObject({ action: 'skip', reason: 'refused', detail: 'upgrade.downgrade' });
  });
});
