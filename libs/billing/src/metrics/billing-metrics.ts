import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsCollector, type MetricFamily } from '#platform/metrics';

export interface WebhookInboxRow {
  unhandled: number;
  /** Unhandled events that failed at least once and wait for their retry. */
  retrying: number;
  /** Age of the oldest unhandled event (0 when none waits). */
  lagSeconds: number;
}

/**
 * Billing's numbers for GET /metrics: the webhook inbox (events received from a payment provider
 * and not handled yet). One aggregate over the unhandled events (the partial index webhook_event_pending).
 */
@Injectable()
export class BillingMetrics extends MetricsCollector {
  readonly name = 'billing';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async collect(): Promise<MetricFamily[]> {
    const [row]: WebhookInboxRow[] = await this.dataSource.query(
      `select count(*)::int as unhandled,
              count(*) filter (where attempts > 0)::int as retrying,
              coalesce(extract(epoch from now() - min(received_at)), 0)::float8 as "lagSeconds"
         from webhook_event
        where processed_at is null`,
    );
    return webhookInboxFamilies(row);
  }
}

/** Pure: the inbox row as metric families. */
export function webhookInboxFamilies(row: WebhookInboxRow): MetricFamily[] {
  return [
    {
      type: 'gauge',
      name: 'allmende_webhook_inbox_unhandled',
      help: 'Webhook events received from the payment provider and not handled yet',
      labelNames: [],
      samples: [{ value: row.unhandled }],
    },
    {
      type: 'gauge',
      name: 'allmende_webhook_inbox_retrying',
      help: 'Unhandled webhook events that failed at least once and wait for their retry',
      labelNames: [],
      samples: [{ value: row.retrying }],
    },
    {
      type: 'gauge',
      name: 'allmende_webhook_inbox_lag_seconds',
      help: 'Age in seconds of the oldest unhandled webhook event (0 when the inbox is empty)',
      labelNames: [],
      samples: [{ value: row.lagSeconds }],
    },
  ];
}
