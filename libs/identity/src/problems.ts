/** What identity says is wrong with a field; the words are the storefront's texts. */
export type IdentityProblemCode =
  | 'email.taken'
  | 'email.already_member'
  | 'slug.taken'
  | 'scopes.unknown'
  | 'scopes.not_yours'
  | 'expiry.beyond_yours'
  | 'owner.operator'
  | 'text.link';
