import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ArchiveSource, OpenArchive } from '../container-runtime.port.js';
import { LABELS } from '../plan/deployment-plan.js';
import { isOwnedBy, ROLES, type Labels } from '../plan/ownership.js';
import { EngineError, engineCall, isNotFound, RuntimeError } from '../runtime-errors.js';

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function isCleanAbsolute(path: string): boolean {
  return typeof path === 'string' && path.startsWith('/') && !/[\0\n]/.test(path) && !path.split('/').some((part) => part === '..' || part === '.');
}

/** Refuses a source the adapter must not mount; every volume must be labelled for the tenant. */
async function checkSource(docker: Docker, source: ArchiveSource): Promise<void> {
  const problems: string[] = [];
  if (!LABEL_VALUE.test(source.tenant?.id ?? '')) problems.push('tenant.id must be a plain identifier');
  if (source.tenant?.slug !== undefined && !LABEL_VALUE.test(source.tenant.slug)) problems.push('tenant.slug must be a plain identifier');
  if (typeof source.image !== 'string' || !source.image || /\s/.test(source.image)) problems.push('image missing');
  const targets = new Set<string>();
  for (const mount of source.volumes) {
    if (!DOCKER_NAME.test(mount.volume)) problems.push(`volume "${mount.volume}" is not a Docker volume name`);
    if (!isCleanAbsolute(mount.target) || mount.target === '/' || targets.has(mount.target)) problems.push(`volume ${mount.volume}: target "${mount.target}" must be a distinct absolute path`);
    targets.add(mount.target);
  }
  if (problems.length) throw new RuntimeError('runtime.plan_refused', `Refusing to read archives for tenant ${source.tenant?.id}: ${problems.join('; ')}`);
  for (const mount of source.volumes) {
    let info: Docker.VolumeInspectInfo;
    try {
      info = await docker.getVolume(mount.volume).inspect();
    } catch (error) {
      if (isNotFound(error)) throw new RuntimeError('runtime.not_owned', `Volume "${mount.volume}" does not exist`);
      throw new EngineError(`inspect volume ${mount.volume}`, error);
    }
    if (!isOwnedBy(info.Labels, source.tenant.id)) throw new RuntimeError('runtime.not_owned', `Volume "${mount.volume}" is not labelled for tenant ${source.tenant.id}; refusing to mount it`);
  }
}

/**
 * Tars of paths as a container of the app's image sees them (its files, plus the tenant's volumes
 * read-only where the app mounts them), e.g. to follow a volume's symlinks into the image. The
 * helper is created but never started: the engine reads a created container's filesystem and
 * mounts for the archive call, so nothing of the image runs. Always removed afterwards.
 */
export async function readArchives(docker: Docker, source: ArchiveSource, read: (open: OpenArchive) => Promise<void>): Promise<void> {
  await checkSource(docker, source);
  const labels: Labels = {
    [LABELS.managed]: 'true',
    [LABELS.tenant]: source.tenant.id,
    ...(source.tenant.slug ? { [LABELS.tenantSlug]: source.tenant.slug } : {}),
    [LABELS.role]: ROLES.volumeHelper,
  };
  let helper: Docker.Container;
  try {
    helper = await docker.createContainer({
      name: `alm-archive-reader-${randomBytes(6).toString('hex')}`,
      Image: source.image,
      Entrypoint: ['/bin/false'],
      Cmd: [],
      Labels: labels,
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Privileged: false,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        Memory: 64 * 1024 * 1024,
        PidsLimit: 16,
        RestartPolicy: { Name: 'no' },
        Mounts: source.volumes.map((mount) => ({ Type: 'volume' as const, Source: mount.volume, Target: mount.target, ReadOnly: true })),
      },
    });
  } catch (error) {
    if (isNotFound(error)) throw new RuntimeError('runtime.image_missing', `Image ${source.image} is not on the engine`, { cause: error });
    throw new EngineError(`create archive reader for tenant ${source.tenant.id}`, error);
  }
  let succeeded = false;
  try {
    await read(async (path: string): Promise<Readable> => {
      if (!isCleanAbsolute(path)) throw new RuntimeError('runtime.plan_refused', `Archive path "${path}" must be absolute and normalised`);
      return (await engineCall(`read ${path}`, () => helper.getArchive({ path }))) as Readable;
    });
    succeeded = true;
  } finally {
    await helper.remove({ force: true, v: false }).catch((error: unknown) => {
      if (succeeded && !isNotFound(error)) throw new EngineError('remove archive reader', error);
    });
  }
}
