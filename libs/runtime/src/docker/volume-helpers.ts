import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { volumeOfMount } from '../plan/container-spec.js';
import { LABELS, type DeploymentPlan } from '../plan/deployment-plan.js';
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

/**
 * Seeds new, empty volumes the way a first start would: creating (never starting) a container
 * of the service's image with the volume mounted makes the engine copy the image's content at
 * that path, owner and mode included, into the empty volume. A restore into volumes no app has
 * run on yet (a drill's scratch copy) then finds them owned by the app's user, not by root.
 */
export async function seedVolumes(docker: Docker, plan: DeploymentPlan, newVolumes: ReadonlySet<string>): Promise<void> {
  const unseeded = new Set(newVolumes);
  for (const container of plan.containers) {
    const mounts = container.mounts
      .map((mount) => ({ volume: volumeOfMount(plan, mount.volume)!.name, target: mount.target }))
      .filter((mount) => unseeded.has(mount.volume));
    if (mounts.length === 0) continue;
    const helper = await engineCall(`create a seeding helper for ${container.name}`, () =>
      docker.createContainer({
        name: `alm-seed-${randomBytes(6).toString('hex')}`,
        Image: container.image,
        Entrypoint: ['/bin/false'],
        Cmd: [],
        Labels: { [LABELS.managed]: 'true', [LABELS.tenant]: plan.tenant.id, [LABELS.app]: plan.app, [LABELS.role]: ROLES.volumeHelper },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges:true'],
          RestartPolicy: { Name: 'no' },
          Mounts: mounts.map((mount) => ({ Type: 'volume' as const, Source: mount.volume, Target: mount.target, ReadOnly: false })),
        },
      }),
    );
    for (const mount of mounts) unseeded.delete(mount.volume); // seeded once, by the first service that mounts it
    await helper.remove({ force: true, v: false }).catch((error: unknown) => {
      if (!isNotFound(error)) throw new EngineError('remove seeding helper', error);
    });
  }
}
