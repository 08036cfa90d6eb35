import { Account } from './account.entity.js';
import { AdminCredential } from './admin-credential.entity.js';
import { ApiToken } from './api-token.entity.js';
import { AuditEvent } from './audit-event.entity.js';
import { Backup } from './backup.entity.js';
import { DockerHost } from './docker-host.entity.js';
import { Domain } from './domain.entity.js';
import { Invitation } from './invitation.entity.js';
import { Membership } from './membership.entity.js';
import { Operation } from './operation.entity.js';
import { Order } from './order.entity.js';
import { Organization } from './organization.entity.js';
import { Plan } from './plan.entity.js';
import { ServiceInstance } from './service-instance.entity.js';
import { Subscription } from './subscription.entity.js';
import { Tenant } from './tenant.entity.js';
import { WebhookEvent } from './webhook-event.entity.js';

export * from './account.entity.js';
export * from './admin-credential.entity.js';
export * from './api-token.entity.js';
export * from './audit-event.entity.js';
export * from './backup.entity.js';
export * from './docker-host.entity.js';
export * from './domain.entity.js';
export * from './invitation.entity.js';
export * from './membership.entity.js';
export * from './operation.entity.js';
export * from './order.entity.js';
export * from './organization.entity.js';
export * from './plan.entity.js';
export * from './service-instance.entity.js';
export * from './subscription.entity.js';
export * from './tenant.entity.js';
export * from './webhook-event.entity.js';

/** Every entity, for the DataSource. Add new entities here (and a migration). */
export const ENTITIES = [
  Account, AdminCredential, ApiToken, AuditEvent, Backup, DockerHost, Domain, Membership, Operation, Order,
  Organization, Plan, ServiceInstance, Subscription, Tenant, WebhookEvent,
  Invitation,
];
