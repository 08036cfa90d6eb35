import type { EntityManager } from 'typeorm';
import type { Tenant } from '../entities/index.js';

/** Finding a tenant by id (a port: TenantsService behind it), for code that only reads. */
export abstract class TenantDirectory {
  abstract find(id: string, manager?: EntityManager): Promise<Tenant | null>;
}
