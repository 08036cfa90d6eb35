/** What identity says is wrong with a field; the words are the storefront's texts. */
export type IdentityProblemCode = 'email.taken' | 'email.already_member' | 'slug.taken' | 'scopes.unknown';
