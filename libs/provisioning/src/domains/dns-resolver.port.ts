/** The record types Allmende asks DNS about. */
export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'SRV';

export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  /** Lower case, without the trailing dot. */
  target: string;
}

/** What one answer of each type is: addresses and names as strings (lower case, no trailing dot), TXT chunks joined. */
export interface DnsAnswerOf {
  A: string;
  AAAA: string;
  CNAME: string;
  TXT: string;
  SRV: SrvAnswer;
}

/**
 * Why a lookup gave no answer. nxdomain: the name does not exist; servfail: the domain's
 * servers are broken (or DNSSEC fails); refused: the server will not answer for it; timeout: no
 * answer in time (our side or theirs: never taken as proof that a record is gone); error: anything else.
 */
export type DnsFailure = 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'error';

/** A lookup's outcome. A name that exists without records of the type is ok with no records (NODATA). */
export type DnsLookup<T> = { ok: true; records: T[] } | { ok: false; failure: DnsFailure; detail: string };

export interface DnsLookupOptions {
  /** Per try; the adapter's default when omitted. */
  timeoutMs?: number;
}

/**
 * The port to DNS: lookups of one record type for one name, through the resolvers the operator
 * configured (ALLMENDE_DNS_RESOLVERS) or the system's. Never throws for DNS trouble: the
 * outcome says what happened, so checks can tell a missing record from a broken server.
 */
export abstract class DnsResolver {
  abstract lookup<T extends DnsRecordType>(name: string, type: T, options?: DnsLookupOptions): Promise<DnsLookup<DnsAnswerOf[T]>>;
}
