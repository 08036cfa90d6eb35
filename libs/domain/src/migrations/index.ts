import { InitialSchema1795394350495 } from './1795394350495-InitialSchema.js';
import { JobQueueSchema1795400000000 } from './1795400000000-JobQueueSchema.js';
import { Invitations1795410000000 } from './1795410000000-Invitations.js';
import { ServiceEndpoints1795420000000 } from './1795420000000-ServiceEndpoints.js';
import { WebhookInboxQueue1795430000000 } from './1795430000000-WebhookInboxQueue.js';
import { MailOutbox1795440000000 } from './1795440000000-MailOutbox.js';
import { AccountSecurity1795450000000 } from './1795450000000-AccountSecurity.js';
import { BillingIdempotencyAndCancelAt1795470000000 } from './1795470000000-BillingIdempotencyAndCancelAt.js';
import { CustomDomains1795480000000 } from './1795480000000-CustomDomains.js';
import { EdgeAndHostPorts1795490000000 } from './1795490000000-EdgeAndHostPorts.js';
import { LiveHealth1795500000000 } from './1795500000000-LiveHealth.js';
import { Backups1795510000000 } from './1795510000000-Backups.js';
import { OperationOrder1795520000000 } from './1795520000000-OperationOrder.js';
import { Upgrades1795530000000 } from './1795530000000-Upgrades.js';
import { MailLettersAndReferences1795600000000 } from './1795600000000-MailLettersAndReferences.js';
import { ConsoleIndexes1795610000000 } from './1795610000000-ConsoleIndexes.js';
import { OperationFinishedIndex1795640000000 } from './1795640000000-OperationFinishedIndex.js';
import { PlanContents1795650000000 } from './1795650000000-PlanContents.js';

/** Every migration, oldest first. A new migration is generated with `npm run migration:generate -- <path/Name>` and added here. */
export const MIGRATIONS = [InitialSchema1795394350495, JobQueueSchema1795400000000, Invitations1795410000000, ServiceEndpoints1795420000000, WebhookInboxQueue1795430000000, MailOutbox1795440000000, AccountSecurity1795450000000, BillingIdempotencyAndCancelAt1795470000000, CustomDomains1795480000000, EdgeAndHostPorts1795490000000, LiveHealth1795500000000, Backups1795510000000, OperationOrder1795520000000, Upgrades1795530000000, MailLettersAndReferences1795600000000, ConsoleIndexes1795610000000, OperationFinishedIndex1795640000000, PlanContents1795650000000];
