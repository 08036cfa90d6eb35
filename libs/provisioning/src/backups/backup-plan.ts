import type { BackupVolume } from '#backup';
import { planHash } from '#catalog';
import { LABELS, type DeploymentPlan, type PlannedHook } from '#runtime';

// What of an app's deployment plan a backup takes and a restore gives back: pure, from the
// template's `volumes[].backup` and `hooks.backup` (their output files and restore commands).

/** The app's backed-up volumes, each under its template key (stable across tenants: a clone restores by key). */
export function backupVolumesOf(plan: DeploymentPlan): BackupVolume[] {
  return plan.volumes.filter((volume) => volume.backup).map((volume) => ({ name: volume.name, mountAs: volume.key }));
}

/** The dump files that must exist and be non-empty ("<volume key>/<path>"): an empty or failed dump fails the backup. */
export function requiredDumpsOf(plan: DeploymentPlan): string[] {
  return plan.hooks.backup.flatMap((hook) => (hook.output ? [`${hook.output.volume}/${hook.output.path}`] : []));
}

/** Where each backed-up volume of a snapshot goes in this plan (the same keys, this tenant's volume names). */
export function restoreTargetsOf(plan: DeploymentPlan, snapshotVolumes?: readonly string[]): { mountAs: string; volume: string }[] {
  return plan.volumes
    .filter((volume) => volume.backup && (snapshotVolumes === undefined || snapshotVolumes.includes(volume.key)))
    .map((volume) => ({ mountAs: volume.key, volume: volume.name }));
}

/** The commands that load the dumps back, in the order the dumps were made. */
export function restoreHooksOf(plan: DeploymentPlan): PlannedHook[] {
  return plan.hooks.backup.flatMap((hook) => (hook.restore ? [hook.restore] : []));
}

/** Services that must run for the backup hooks (a dump needs its database up). */
export function dumpServicesOf(plan: DeploymentPlan): string[] {
  return [...new Set(plan.hooks.backup.map((hook) => hook.service))];
}

/**
 * A plan made for a scratch copy (a restore drill) cut off from the world: its network is
 * internal (no route out: a copy must never federate, mail or fetch as the club), nothing is
 * published on the host, and nothing restarts by itself (the drill removes it afterwards).
 */
export function isolatedPlan(plan: DeploymentPlan): DeploymentPlan {
  const isolated: DeploymentPlan = {
    ...plan,
    network: { ...plan.network, internal: true },
    containers: plan.containers.map((container) => ({
      ...container,
      labels: { ...container.labels },
      // nothing published: no host address, no host port (those belong to the tenant itself)
      ports: container.ports.map(({ hostIp: _hostIp, hostPort: _hostPort, ...port }) => ({ ...port, publish: false })),
      restartPolicy: container.oneShot ? container.restartPolicy : 'no',
    })),
  };
  const hash = planHash(isolated);
  for (const container of isolated.containers) container.labels[LABELS.planHash] = hash;
  return { ...isolated, hash };
}

/** The service whose container mounts a volume (the first, in start order), and where. */
export function mountOf(plan: DeploymentPlan, volumeName: string): { service: string; image: string; target: string } | undefined {
  for (const container of plan.containers) {
    const mount = container.mounts.find((candidate) => candidate.volume === volumeName);
    if (mount) return { service: container.service, image: container.image, target: mount.target };
  }
  return undefined;
}
