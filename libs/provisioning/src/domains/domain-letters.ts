// Letters to a club about its custom domains; the storefront writes their words.

/** The records of a verified domain disappeared: it is withdrawn at `withdrawAt` unless they come back. */
export const DOMAIN_FLAGGED_LETTER = 'provisioning.domain_flagged';
/** The grace period ended: the domain is no longer served. */
export const DOMAIN_WITHDRAWN_LETTER = 'provisioning.domain_withdrawn';
/** The records are back: the domain is served (again). */
export const DOMAIN_RESTORED_LETTER = 'provisioning.domain_restored';

export type DomainLetterTemplate = typeof DOMAIN_FLAGGED_LETTER | typeof DOMAIN_WITHDRAWN_LETTER | typeof DOMAIN_RESTORED_LETTER;

export interface DomainLetterValues extends Record<string, string> {
  club: string;
  /** As people see it: "gärtner.de (xn--grtner-bua.de)". */
  domain: string;
  /** What is wrong and what to change, one line each ("add TXT _allmende-challenge.club.de allmende-verify=..."). */
  fixes: string;
  /** yyyy-mm-dd hh:mm UTC; empty when not flagged. */
  withdrawAt: string;
}
