import { Injectable, Logger } from '@nestjs/common';
import type { DomainVerificationState } from '../entities/domain.entity.js';

/** A custom domain the edge must start or stop serving (and allowing a certificate for). */
export interface DomainServingChange {
  tenantId: string;
  domain: string;
  /** Whether the edge should serve it now. */
  served: boolean;
  /** Its state after the change; released: the claim is gone. */
  state: DomainVerificationState | 'released';
}

/**
 * Told after the change is committed, once per domain that became verified (serve it) or was
 * withdrawn, released or removed (stop serving it): the hook that re-applies the tenant's edge
 * site. Failures are logged, never undo the change (the edge reconcile catches up).
 */
export abstract class DomainServingListener {
  abstract servingChanged(change: DomainServingChange): Promise<void>;
}

/** The default until the edge is wired: only logs what the edge should do. */
@Injectable()
export class LoggingDomainServingListener extends DomainServingListener {
  private readonly logger = new Logger('CustomDomains');

  async servingChanged(change: DomainServingChange): Promise<void> {
    this.logger.log(`tenant ${change.tenantId}: ${change.domain} is ${change.state}; the edge should ${change.served ? 'serve' : 'stop serving'} it`);
  }
}
