/**
 * A mail Allmende owes someone, as facts: which letter, to whom, in which language, with which
 * values. The words are the storefront's texts; the letter is written when it is sent.
 */
export interface Letter<Template extends string = string> {
  template: Template;
  to: string;
  /** A language of the texts, e.g. en or de. */
  locale: string;
  /** Plain strings only; they are sealed at rest (a link may carry a one-time token). */
  values: Record<string, string>;
  /**
   * A natural key of what the letter tells, e.g. `order:<id>:confirmation:<recipient>`: a letter
   * with a key already in the outbox is not queued again (a replayed step never mails twice).
   */
  key?: string;
}

/** An owner invites someone to the club. */
export const INVITATION_LETTER = 'identity.invitation';
export interface InvitationLetterValues extends Record<string, string> {
  club: string;
  /** billing or member */
  role: string;
  inviter: string;
  /** yyyy-mm-dd */
  expires: string;
  link: string;
}

/** The letters identity sends; the storefront has texts for each. */
export type IdentityLetterTemplate = typeof INVITATION_LETTER | typeof VERIFY_EMAIL_LETTER | typeof PASSWORD_RESET_LETTER;

/** Please confirm that this address is yours (after an order, or when the address changes). */
export const VERIFY_EMAIL_LETTER = 'identity.verify_email';
export interface VerifyEmailLetterValues extends Record<string, string> {
  link: string;
  /** yyyy-mm-dd hh:mm UTC */
  expires: string;
}

/** Someone asked to set a new password for this address (the login page's "forgot password"). */
export const PASSWORD_RESET_LETTER = 'identity.password_reset';
export interface PasswordResetLetterValues extends Record<string, string> {
  link: string;
  /** yyyy-mm-dd hh:mm UTC */
  expires: string;
}
