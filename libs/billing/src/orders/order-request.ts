/** A validated order from the public form: trimmed and normalised, only the chosen address kind. */
export interface OrderRequest {
  plan: string;
  clubName: string;
  contactEmail: string;
  password: string;
  subdomain?: string;
  customDomain?: string;
}
