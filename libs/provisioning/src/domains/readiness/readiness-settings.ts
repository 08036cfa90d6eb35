import { Injectable } from '@nestjs/common';

/** How probes reach a tenant's host: the edge's ports and which certificate authorities to trust. */
export interface ProbeSettings {
  /** Where the edge answers plain HTTP and HTTPS on the tenant's host (80 and 443 in production). */
  httpPort: number;
  httpsPort: number;
  /** PEM roots to trust (e.g. the edge's internal CA when it issues the certificates); undefined: the public roots. */
  ca?: string[];
  /** Per probe (one connection, one request). */
  timeoutMs: number;
}

/**
 * Where the readiness checks get their settings for a tenant: a port, so the wiring can hand
 * in the edge's ports and, with the internal issuer, its root certificate (EdgeProxy.rootCertificate).
 */
export abstract class ReadinessSettings {
  abstract forTenant(tenant: { id: string; dockerHostId: string | null }): Promise<ProbeSettings>;
}

/** Production defaults: ports 80/443, the public certificate authorities. */
@Injectable()
export class PublicReadinessSettings extends ReadinessSettings {
  async forTenant(): Promise<ProbeSettings> {
    return { httpPort: 80, httpsPort: 443, timeoutMs: 5_000 };
  }
}
