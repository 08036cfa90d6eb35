/**
 * The long-running jobs and the steps a person sees for each. Steps run in order;
 * a resumed operation skips the steps already done.
 */
export const OPERATION_KINDS = {
  provision: [
    { name: 'place', title: 'Choose a Docker host' },
    { name: 'prepare', title: 'Prepare configuration and secrets' },
    { name: 'images', title: 'Check the app images' },
    { name: 'deploy', title: 'Create network, volumes and containers' },
    { name: 'health', title: 'Wait until the apps answer' },
    { name: 'admin', title: "Create the club's admin accounts" },
    { name: 'publish', title: 'Serve it at its address over HTTPS' },
    { name: 'activate', title: 'Open the instance' },
  ],
  suspend: [
    { name: 'pause', title: 'Show a "paused" page at its address' },
    { name: 'stop', title: 'Stop the containers (data is kept)' },
  ],
  resume: [
    { name: 'start', title: 'Start the containers' },
    { name: 'health', title: 'Wait until the apps answer' },
    { name: 'publish', title: 'Serve the apps at their address again' },
  ],
  terminate: [
    { name: 'close', title: 'Take the apps off their address' },
    { name: 'dump', title: 'Dump the databases' },
    { name: 'stop', title: 'Stop the containers' },
    { name: 'final', title: 'Make the final backup (kept until the data is deleted)' },
  ],
  purge: [
    { name: 'unpublish', title: 'Remove the address from the edge proxy' },
    { name: 'remove', title: 'Delete containers, volumes and network' },
    { name: 'backups', title: 'Forget and prune every backup, delete the exports' },
    { name: 'finish', title: 'Mark the tenant terminated' },
  ],
  backup: [
    { name: 'dump', title: 'Dump the databases while the apps run' },
    { name: 'snapshot', title: 'Store an encrypted snapshot on each backup site' },
    { name: 'retention', title: 'Forget and prune what the retention no longer keeps' },
    { name: 'check', title: 'Check the repositories (weekly, reading a sample)' },
  ],
  export: [
    { name: 'dump', title: 'Dump the databases while the apps run' },
    { name: 'archive', title: 'Write the export archive, with its README' },
  ],
  restore: [
    { name: 'safety', title: 'Take a safety snapshot of the current data' },
    { name: 'stop', title: 'Stop the containers' },
    { name: 'files', title: 'Restore the files from the backup' },
    { name: 'databases', title: 'Start the apps and load their databases back' },
    { name: 'health', title: 'Wait until the apps answer' },
    { name: 'rollback', title: 'Only if the restore failed: return to the safety snapshot' },
  ],
  drill: [
    { name: 'prepare', title: 'Choose the latest backup and a scratch copy on an isolated network' },
    { name: 'restore', title: 'Restore it into the scratch copy' },
    { name: 'start', title: 'Start the copy and load its databases' },
    { name: 'probe', title: 'Use the apps as people do (log in, read a post, count rows)' },
    { name: 'cleanup', title: 'Remove the scratch copy' },
  ],
  reconcile: [
    { name: 'compare', title: 'Compare what runs with what should run' },
    { name: 'converge', title: 'Fix differences' },
  ],
  upgrade: [
    { name: 'check', title: 'Check that this upgrade is allowed now' },
    { name: 'backup', title: 'Back up the data first (a failed backup stops the upgrade)' },
    { name: 'replace', title: 'Replace the containers with the new version' },
    { name: 'migrate', title: "Run the new version's upgrade steps (database migrations)" },
    { name: 'health', title: 'Check the apps work: health checks, then use them as people do' },
    { name: 'rollback', title: 'Only if the upgrade failed: return to the old version and the backed-up data' },
  ],
  recreate: [
    { name: 'remove', title: 'Remove the containers (data volumes are kept)' },
    { name: 'deploy', title: 'Create and start the containers again' },
    { name: 'health', title: 'Wait until the apps answer' },
  ],
} as const satisfies Record<string, readonly { name: string; title: string }[]>;

export type OperationKind = keyof typeof OPERATION_KINDS;
export type StepName<K extends OperationKind> = (typeof OPERATION_KINDS)[K][number]['name'];
