import type Docker from 'dockerode';
import { LABELS } from '../plan/deployment-plan.js';
import { isOwnedBy, ownerFilters, ROLES } from '../plan/ownership.js';
import { EngineError, engineCall, isNotFound } from '../runtime-errors.js';

/**
 * Removes the tenant's volume helper containers. Exports create one per volume and remove it
 * when done; one that is still there was left by a worker that died during an export.
 * Only containers whose labels prove they are this tenant's helpers are touched.
 */
export async function removeVolumeHelpers(docker: Docker, tenantId: string): Promise<string[]> {
  const filters = ownerFilters(tenantId);
  filters.label.push(`${LABELS.role}=${ROLES.volumeHelper}`);
  const listed = await engineCall('list volume helpers', () => docker.listContainers({ all: true, filters }));
  const removed: string[] = [];
  for (const item of listed) {
    if (!isOwnedBy(item.Labels, tenantId) || item.Labels?.[LABELS.role] !== ROLES.volumeHelper) continue;
    try {
      await docker.getContainer(item.Id).remove({ force: true });
      removed.push((item.Names?.[0] ?? item.Id).replace(/^\//, ''));
    } catch (error) {
      if (!isNotFound(error)) throw new EngineError(`remove volume helper ${item.Id.slice(0, 12)}`, error);
    }
  }
  return removed;
}
