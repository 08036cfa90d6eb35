import { createHash } from 'node:crypto';
import { DeploymentPlan, LABELS } from '#runtime';

/** JSON with object keys sorted at every level: equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 of the plan without its `hash` and without the plan-hash labels (which carry
 * the hash itself), so a stored or observed plan can be hashed again and compared.
 */
export function planHash(plan: Omit<DeploymentPlan, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = plan;
  const hashed = {
    ...rest,
    containers: rest.containers.map((container) => {
      const { [LABELS.planHash]: _label, ...labels } = container.labels;
      return { ...container, labels };
    }),
  };
  return createHash('sha256').update(canonicalJson(hashed), 'utf8').digest('hex');
}
