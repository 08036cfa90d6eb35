import type { EngineEndpoint } from '#runtime';
import type { BaseState, EdgeChange, EdgeDiff, ObservedSite } from './edge-diff.js';
import type { EdgeHostSettings } from './edge-settings.js';
import type { EdgeSite } from './site-routes.js';

export interface EdgeContainerStatus {
  /** Created by this call (first time, or replaced because its spec changed: then `replaced` too). */
  created: boolean;
  replaced: boolean;
  /** Was stopped and started by this call. */
  started: boolean;
  /** Tenant networks the edge is attached to. */
  networks: string[];
}

export interface EdgeStatus {
  container: EdgeContainerStatus;
  /** How the base config was found; anything but ok was loaded again (tenant objects kept). */
  base: BaseState;
}

export interface EdgeReconcileReport extends EdgeStatus {
  /** none: already in sync; incremental: object by object; full: one load of the whole config. */
  mode: 'none' | 'incremental' | 'full';
  changes: Omit<EdgeChange, 'value'>[];
  networks: { connected: string[]; disconnected: string[] };
  /** Networks that could not be joined or left (e.g. a tenant's network is missing): the other sites were applied all the same. */
  problems: { tenantId: string | null; message: string }[];
}

export interface ObservedEdge {
  /** present: the edge's layout is loaded (whether it matches the settings is drift's question). */
  base: 'present' | 'missing';
  sites: ObservedSite[];
  /** Tenant networks the edge is attached to. */
  networks: { name: string; tenantId: string }[];
}

export interface ApplySiteReport {
  tenantId: string;
  site: 'added' | 'updated';
  allow: 'added' | 'updated' | 'removed' | 'none';
  network: 'connected' | 'disconnected' | 'unchanged';
}

export interface EdgeCertificate {
  hostName: string;
  /** The certificate and its chain (PEM), as Caddy serves it. */
  certificatePem: string;
  /** The private key (PEM). A secret: never log it; store it only where the app reads it. */
  privateKeyPem: string;
  notAfter: Date;
  /** Caddy's storage folder of the issuer, e.g. "local" or "acme-v02.api.letsencrypt.org-directory". */
  issuer: string;
}

/**
 * The edge proxy of a Docker host: one Caddy container per host, labelled
 * allmende.managed=true + allmende.role=edge, configured through its admin API on a unix
 * socket inside the container (reached with docker exec; no tenant can reach it).
 * Every method is idempotent. Bad input is a ValidationFailedError naming the field; the
 * edge's own failures are EdgeErrors.
 */
export abstract class EdgeProxy {
  /**
   * Creates or repairs the edge (volume, network, container publishing the host's HTTP and
   * HTTPS ports), waits for its admin API and loads the base config when it is missing or
   * differs; tenant objects already configured are kept. Tenant networks are reconcile's job.
   */
  abstract ensureEdge(engine: EngineEndpoint, host: EdgeHostSettings): Promise<EdgeStatus>;

  /**
   * Makes the edge serve exactly `sites` (the database's view): ensureEdge, join the serving
   * sites' networks, apply the diff (object by object, or one load when there is much to do),
   * leave the networks of sites no longer serving. What the reconcile loop calls.
   */
  abstract reconcile(engine: EngineEndpoint, host: EdgeHostSettings, sites: EdgeSite[]): Promise<EdgeReconcileReport>;

  /** What reconcile would change, without changing anything (the edge must be running). */
  abstract drift(engine: EngineEndpoint, host: EdgeHostSettings, sites: EdgeSite[]): Promise<EdgeDiff>;

  /** The tenants the edge currently serves, read back from Caddy. */
  abstract observe(engine: EngineEndpoint): Promise<ObservedEdge>;

  /**
   * Adds or replaces one tenant's objects, touching no other tenant's: joins the tenant's
   * network first when serving, leaves it when paused or gone. Calls for the same tenant
   * must not run concurrently (the tenant lock); a duplicate left by such a race is repaired
   * by the next reconcile.
   */
  abstract applySite(engine: EngineEndpoint, site: EdgeSite): Promise<ApplySiteReport>;

  /** Removes one tenant's objects and leaves its networks. False when there was nothing to remove. */
  abstract removeSite(engine: EngineEndpoint, tenantId: string): Promise<boolean>;

  /** Joins a tenant network (labelled for that tenant); reconcile and applySite do this themselves. */
  abstract connectNetwork(engine: EngineEndpoint, network: { name: string; tenantId: string }): Promise<boolean>;

  /** Leaves a tenant network, e.g. before the tenant's network is removed. */
  abstract disconnectNetwork(engine: EngineEndpoint, networkName: string): Promise<boolean>;

  /** The internal CA's root certificate (PEM), for people and tests to trust; only with the internal issuer. */
  abstract rootCertificate(engine: EngineEndpoint): Promise<string>;

  /**
   * The certificate and key the edge holds for a host name (e.g. to copy into a Prosody volume).
   * With `obtain`, a missing one is first requested with a TLS handshake inside the edge (the
   * host must be allowed by a site's `certificate: true`).
   */
  abstract certificateFor(engine: EngineEndpoint, hostName: string, options?: { obtain?: boolean }): Promise<EdgeCertificate>;
}
