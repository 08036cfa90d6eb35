import { webhookInboxFamilies } from './billing-metrics.js';

describe('billing metrics (pure mapping)', () => {
  it('says how many webhook events wait, how many wait for a retry, and the age of the oldest', () => {
    const families = webhookInboxFamilies({ unhandled: 4, retrying: 1, lagSeconds: 12.5 });
    expect(families.map((family) => [family.name, family.type === 'histogram' ? undefined : family.samples])).toEqual([
      ['allmende_webhook_inbox_unhandled', [{ value: 4 }]],
      ['allmende_webhook_inbox_retrying', [{ value: 1 }]],
      ['allmende_webhook_inbox_lag_seconds', [{ value: 12.5 }]],
    ]);
  });
});
