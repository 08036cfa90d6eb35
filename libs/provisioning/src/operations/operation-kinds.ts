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
    { name: 'export', title: 'Make the final export (kept until the data is deleted)' },
  ],
  purge: [
    { name: 'unpublish', title: 'Remove the address from the edge proxy' },
    { name: 'remove', title: 'Delete containers, volumes and network' },
    { name: 'backups', title: 'Delete the final export and all backups' },
    { name: 'finish', title: 'Mark the tenant terminated' },
  ],
  backup: [
    { name: 'dump', title: 'Dump the databases' },
    { name: 'archive', title: 'Archive and store the data, with checksums' },
  ],
  reconcile: [
    { name: 'compare', title: 'Compare what runs with what should run' },
    { name: 'converge', title: 'Fix differences' },
  ],
  recreate: [
    { name: 'remove', title: 'Remove the containers (data volumes are kept)' },
    { name: 'deploy', title: 'Create and start the containers again' },
    { name: 'health', title: 'Wait until the apps answer' },
  ],
} as const satisfies Record<string, readonly { name: string; title: string }[]>;

export type OperationKind = keyof typeof OPERATION_KINDS;
export type StepName<K extends OperationKind> = (typeof OPERATION_KINDS)[K][number]['name'];
