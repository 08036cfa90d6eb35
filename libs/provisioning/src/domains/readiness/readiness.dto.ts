import type { CheckResult } from '../check-result.js';
import type { ReadinessReport } from './readiness.service.js';

export interface ReadinessResponse {
  tenantId: string;
  /** null: no check ran yet. */
  checkedAt: Date | null;
  status: ReadinessReport['status'] | 'unknown';
  trigger: ReadinessReport['trigger'] | null;
  durationMs: number | null;
  results: CheckResult[];
}

export function toReadinessResponse(tenantId: string, report: ReadinessReport | null): ReadinessResponse {
  if (!report) return { tenantId, checkedAt: null, status: 'unknown', trigger: null, durationMs: null, results: [] };
  const { checkedAt, status, trigger, durationMs, results } = report;
  return { tenantId, checkedAt, status, trigger, durationMs, results };
}
