import type { AuditActor } from '#domain';
import type { Principal } from './principal.js';

export function actorOf(principal: Principal): AuditActor {
  return { type: 'account', id: principal.accountId };
}
