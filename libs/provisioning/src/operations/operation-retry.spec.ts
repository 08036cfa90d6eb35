import type { Operation } from '../entities/index.js';
import { retryPlan } from './operation-retry.js';

const failed = (kind: string, input: Record<string, unknown> | null = null) =>
  ({ id: 'op-1', kind, state: 'failed', targetType: 'tenant', input }) as Pick<Operation, 'id' | 'kind' | 'state' | 'targetType' | 'input'>;
const tenant = (state: string) => ({ slug: 'gardeners', state }) as { slug: string; state: never };

describe('retrying a failed operation', () => {
  it('provisions a failed tenant again through its lifecycle', () => {
    expect(retryPlan(failed('provision'), tenant('failed'), null)).toEqual({ kind: 'provision' });
  });

  it('upgrades again through the upgrade (its checks and backup), restores from the same backup, exports into a new archive', () => {
    expect(retryPlan(failed('upgrade', { app: 'prosody', from: '0.12', to: '13.0' }), tenant('active'), null)).toEqual({ kind: 'upgrade', app: 'prosody', to: '13.0' });
    expect(retryPlan(failed('restore', { backupId: 'b-1' }), tenant('past_due'), null)).toEqual({ kind: 'restore', backupId: 'b-1' });
    expect(retryPlan(failed('export', { exportId: 'x-1' }), tenant('suspended'), null)).toEqual({ kind: 'export' });
  });

  it('runs other kinds again with the same input while the tenant is in the state they are for', () => {
    expect(retryPlan(failed('backup', { kind: 'scheduled', sites: ['local'] }), tenant('active'), null)).toEqual({ kind: 'again', input: { kind: 'scheduled', sites: ['local'] } });
    expect(retryPlan(failed('suspend'), tenant('suspended'), null)).toEqual({ kind: 'again', input: null });
    expect(retryPlan(failed('terminate'), tenant('terminating'), null)).toEqual({ kind: 'again', input: null });
    expect(retryPlan(failed('reconcile'), tenant('suspended'), null)).toEqual({ kind: 'again', input: null });
  });

  it.each([
    ['a suspend after the club paid again', 'suspend', 'active'],
    ['a resume of a tenant suspended again', 'resume', 'suspended'],
    ['a provision of a tenant that is no longer failed', 'provision', 'active'],
    ['a backup of a terminated tenant', 'backup', 'terminated'],
    ['a recreate of a suspended tenant', 'recreate', 'suspended'],
  ])('refuses %s, naming the state', (_what, kind, state) => {
    expect(retryPlan(failed(kind), tenant(state), null)).toEqual({ kind: 'refused', code: 'operation.tenant_state', message: expect.stringContaining(`while the tenant is ${state}`) });
  });

  it('refuses what did not fail, what a later operation of its kind followed, and what has no tenant', () => {
    expect(retryPlan({ ...failed('backup'), state: 'succeeded' }, tenant('active'), null)).toMatchObject({ kind: 'refused', code: 'operation.not_failed' });
    expect(retryPlan(failed('backup'), tenant('active'), { id: 'op-2', state: 'running' })).toMatchObject({ kind: 'refused', code: 'operation.superseded', message: expect.stringContaining('op-2') });
    expect(retryPlan(failed('backup'), null, null)).toMatchObject({ kind: 'refused', code: 'operation.no_tenant' });
    expect(retryPlan({ ...failed('backup'), targetType: 'docker_host' }, tenant('active'), null)).toMatchObject({ kind: 'refused', code: 'operation.no_tenant' });
  });

  it('refuses kinds it does not know and an upgrade or restore that lost its input', () => {
    expect(retryPlan(failed('teleport'), tenant('active'), null)).toMatchObject({ kind: 'refused', code: 'operation.not_retryable' });
    expect(retryPlan(failed('upgrade', { app: 'prosody' }), tenant('active'), null)).toMatchObject({ kind: 'refused', code: 'operation.not_retryable' });
    expect(retryPlan(failed('restore', {}), tenant('active'), null)).toMatchObject({ kind: 'refused', code: 'operation.not_retryable' });
  });
});
