// Identity: accounts, organizations, memberships, invitations, tokens, the access policy and
// guards, and mail (the outbox and the transport port).
export * from './entities/index.js';
export * from './accounts/account-tokens.service.js';
export * from './accounts/accounts.service.js';
export * from './accounts/passwords.js';
export * from './auth/access-check.service.js';
export * from './auth/access-policy.js';
export * from './auth/actor.js';
export * from './auth/decorators.js';
export * from './auth/password-attempts.js';
export * from './auth/principal.js';
export * from './auth/scopes.js';
export * from './identity.module.js';
export * from './invitations/invitations.service.js';
export * from './mail/letter.js';
export * from './mail/mail-letter.entity.js';
export * from './mail/mail-outbox.js';
export * from './mail/mailer.port.js';
export * from './organizations/memberships.service.js';
export * from './organizations/organizations.service.js';
export * from './organizations/slug.js';
export * from './tokens/tokens.service.js';
export * from './problems.js';
