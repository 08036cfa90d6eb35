export interface Backoff {
  /** The first pause. */
  readonly initialMs: number;
  /** Pauses never grow beyond this. */
  readonly maxMs: number;
  /** Growth per attempt (default 2: doubling). */
  readonly factor?: number;
}

/** The pause before attempt `attempt` (0 = the first retry): initialMs · factor^attempt, capped at maxMs. */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  const factor = backoff.factor ?? 2;
  const exponent = Math.max(0, Math.min(attempt, 50));
  return Math.min(backoff.maxMs, Math.round(backoff.initialMs * factor ** exponent));
}
