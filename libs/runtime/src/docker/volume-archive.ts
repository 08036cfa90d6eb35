import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { LABELS } from '../plan/deployment-plan.js';
import { isOwnedBy, ROLES, type Labels } from '../plan/ownership.js';
import { EngineError, engineCall, isNotFound, RuntimeError } from '../runtime-errors.js';

const MOUNT = '/data';

/** The labelled volume of this tenant, or an error; never a volume we cannot prove is ours. */
export async function ownedVolume(docker: Docker, tenantId: string, volumeName: string): Promise<Labels> {
  let info: Docker.VolumeInspectInfo;
  try {
    info = await docker.getVolume(volumeName).inspect();
  } catch (error) {
    if (isNotFound(error)) throw new RuntimeError('runtime.not_owned', `Volume "${volumeName}" does not exist`);
    throw new EngineError(`inspect volume ${volumeName}`, error);
  }
  const labels = (info.Labels ?? {}) as Labels;
  if (!isOwnedBy(labels, tenantId)) {
    throw new RuntimeError('runtime.not_owned', `Volume "${volumeName}" is not labelled for tenant ${tenantId}; refusing to touch it`);
  }
  return labels;
}

/** A short-lived, network-less, labelled container with the volume at /data; not started unless asked. */
async function createHelper(docker: Docker, image: string, volumeName: string, labels: Labels, readOnly: boolean, cmd: string[]): Promise<Docker.Container> {
  const helperLabels: Labels = {
    [LABELS.managed]: 'true',
    [LABELS.tenant]: labels[LABELS.tenant],
    ...(labels[LABELS.tenantSlug] ? { [LABELS.tenantSlug]: labels[LABELS.tenantSlug] } : {}),
    [LABELS.role]: ROLES.volumeHelper,
  };
  try {
    return await docker.createContainer({
      name: `alm-volume-helper-${randomBytes(6).toString('hex')}`,
      Image: image,
      Cmd: cmd,
      Labels: helperLabels,
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Privileged: false,
        SecurityOpt: ['no-new-privileges:true'],
        Memory: 256 * 1024 * 1024,
        PidsLimit: 64,
        RestartPolicy: { Name: 'no' },
        Mounts: [{ Type: 'volume', Source: volumeName, Target: MOUNT, ReadOnly: readOnly }],
      },
    });
  } catch (error) {
    if (isNotFound(error)) {
      throw new RuntimeError('runtime.image_missing', `Helper image ${image} is not on the engine: build it with infra/images/build-busybox.sh`, { cause: error });
    }
    throw new EngineError(`create volume helper for ${volumeName}`, error);
  }
}

/** Runs `work` with the helper and always removes the helper; a failed removal only matters if the work succeeded. */
async function withHelper(helper: Docker.Container, work: () => Promise<void>): Promise<void> {
  let succeeded = false;
  try {
    await work();
    succeeded = true;
  } finally {
    await helper.remove({ force: true }).catch((error: unknown) => {
      if (succeeded && !isNotFound(error)) throw new EngineError('remove volume helper', error);
    });
  }
}

/** Tar of the volume's contents (entries "./..."), uid/gid and modes kept, streamed into `into`. */
export async function exportVolume(docker: Docker, helperImage: string, tenantId: string, volumeName: string, into: Writable): Promise<void> {
  const labels = await ownedVolume(docker, tenantId, volumeName);
  // Never started: the engine reads a created container's mounts for the archive call.
  const helper = await createHelper(docker, helperImage, volumeName, labels, true, ['true']);
  await withHelper(helper, async () => {
    const archive = await engineCall(`read volume ${volumeName}`, () => helper.getArchive({ path: `${MOUNT}/.` }));
    await pipeline(archive, into);
  });
}
