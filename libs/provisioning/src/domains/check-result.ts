import type { DnsRecordType } from './dns-resolver.port.js';

export type CheckStatus = 'ok' | 'failing' | 'warning';

/** "Add this record: type, name, value" (or change the one that is there, or remove it). */
export interface RecordFix {
  action: 'add' | 'change' | 'remove';
  type: DnsRecordType;
  name: string;
  value: string;
  /** What is there now (change and remove). */
  current?: string;
}

/** "Current ... expected ...": for what is not a DNS record (a certificate, a redirect, a setting). */
export interface ValueFix {
  current: string;
  expected: string;
}

/**
 * One check's outcome. `check` is stable (e.g. dns.address, https.certificate), `subject` the
 * name it looked at; a failing or warning check says exactly what to change in `fix` when a
 * change can be named, and `detail` says in one sentence what was seen.
 */
export interface CheckResult {
  check: string;
  subject: string;
  status: CheckStatus;
  fix?: RecordFix | ValueFix;
  detail: string;
  /** The check could not tell (e.g. DNS gave no answer in time): nothing is decided on it. */
  inconclusive?: boolean;
}

export const isRecordFix = (fix: CheckResult['fix']): fix is RecordFix => !!fix && 'action' in fix;

/** The worst status of a set of results: failing before warning before ok. */
export function overallStatus(results: readonly Pick<CheckResult, 'status'>[]): CheckStatus {
  if (results.some((result) => result.status === 'failing')) return 'failing';
  return results.some((result) => result.status === 'warning') ? 'warning' : 'ok';
}

/** One line saying what to change, for letters and logs: "add TXT _allmende-challenge.club.de allmende-verify=…". */
export function fixLine(result: CheckResult): string {
  const { fix } = result;
  if (!fix) return `${result.subject}: ${result.detail}`;
  if (!isRecordFix(fix)) return `${result.subject}: currently ${fix.current}, expected ${fix.expected}`;
  if (fix.action === 'change') return `change ${fix.type} ${fix.name} from ${fix.current} to ${fix.value}`;
  return `${fix.action} ${fix.type} ${fix.name} ${fix.value}`;
}
