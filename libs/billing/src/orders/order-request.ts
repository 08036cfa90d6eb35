/** A validated order from the public form: trimmed and normalised, only the chosen address kind. */
export interface OrderRequest {
  plan: string;
  clubName: string;
  contactEmail: string;
  /** For a new account; empty when `ownerAccountId` orders. */
  password: string;
  /** A logged-in account with a verified address orders: it owns the new club, no account is created. */
  ownerAccountId?: string;
  subdomain?: string;
  customDomain?: string;
  /** The language of the page the order was placed on: the new account's letters are written in it (default en). */
  locale?: 'en' | 'de';
}
