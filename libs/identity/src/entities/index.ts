import { Account } from './account.entity.js';
import { AccountToken } from './account-token.entity.js';
import { ApiToken } from './api-token.entity.js';
import { Invitation } from './invitation.entity.js';
import { Membership } from './membership.entity.js';
import { Organization } from './organization.entity.js';

export * from './account.entity.js';
export * from './account-token.entity.js';
export * from './api-token.entity.js';
export * from './invitation.entity.js';
export * from './membership.entity.js';
export * from './organization.entity.js';

/** The tables identity owns. */
export const IDENTITY_ENTITIES = [Account, AccountToken, ApiToken, Invitation, Membership, Organization];
