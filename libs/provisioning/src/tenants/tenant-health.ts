import type { ServiceHealth } from '../entities/index.js';

/** How a tenant's apps fare as a whole: the worst of its services (unknown when none was looked at yet). */
export type TenantHealth = ServiceHealth;

const RANK: Record<ServiceHealth, number> = { unknown: 0, healthy: 1, starting: 2, degraded: 3, unhealthy: 4 };

/**
 * The tenant's health for operators and the club, from its services' recorded live health. A
 * tenant can be "active" (paid, provisioned) and still unhealthy: the state says where it is in
 * its lifecycle, the health how its apps run right now. Pure.
 */
export function tenantHealth(services: readonly { state: string; health: ServiceHealth }[]): TenantHealth {
  const looked = services.filter((service) => service.state === 'running' || service.state === 'unhealthy');
  return looked.reduce<TenantHealth>((worst, service) => (RANK[service.health] > RANK[worst] ? service.health : worst), 'unknown');
}
