/**
 * What an API token may do. Session tokens (password login) carry '*': everything the
 * account's roles allow. API tokens carry a chosen subset; roles still apply on top.
 */
export const SCOPES = {
  'org:read': 'Read organizations, members and the audit log',
  'org:write': 'Change organizations and members',
  'tenants:read': 'Read tenants, services, operations and backups',
  'tenants:write': 'Create, change, back up and restore tenants',
  'billing:read': 'Read orders and subscriptions',
  'billing:write': 'Open the billing portal, mark payments',
  'tokens:write': "Create and revoke API tokens (never beyond the creating token's own scopes and expiry)",
  operator: 'Operator powers across all organizations (operator accounts only)',
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];
