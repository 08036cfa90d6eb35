import type { SystemContainerRef, SystemContainerSpec } from '#runtime';
import { EDGE_IMAGE } from './edge-config.js';
import { checkHostSettings, type EdgeHostSettings, type ResolvedEdgeOptions } from './edge-settings.js';

/** allmende.role of the edge's container, volume and network. */
export const EDGE_ROLE = 'edge';

export function edgeRef(options: ResolvedEdgeOptions): SystemContainerRef {
  return { role: EDGE_ROLE, name: options.name };
}

export const edgeVolumeName = (options: ResolvedEdgeOptions) => `${options.name}-data`;

/**
 * The edge container of one host. Caddy runs as the image's unprivileged user on 8080/8443
 * with every capability dropped; the host's HTTP and HTTPS ports are published onto those.
 * Root filesystem read-only: Caddy writes only to its volume (certificates, autosaved config)
 * and to tmpfs (the admin socket, in a folder only its user can enter).
 */
export function edgeContainerSpec(options: ResolvedEdgeOptions, host: EdgeHostSettings): SystemContainerSpec {
  checkHostSettings(host);
  const owner = `uid=${EDGE_IMAGE.uid},gid=${EDGE_IMAGE.uid}`;
  return {
    ...edgeRef(options),
    image: options.image,
    // --resume: after a restart Caddy serves its autosaved config at once, without the control plane
    command: ['caddy', 'run', '--resume', '--config', EDGE_IMAGE.bootstrapConfig],
    network: options.name,
    ports: [
      { container: EDGE_IMAGE.httpPort, protocol: 'tcp', hostIp: host.publishIp, hostPort: host.httpPort },
      { container: EDGE_IMAGE.httpsPort, protocol: 'tcp', hostIp: host.publishIp, hostPort: host.httpsPort },
    ],
    volumes: [{ name: edgeVolumeName(options), target: EDGE_IMAGE.volumeTarget }],
    tmpfs: {
      '/run/caddy': `rw,nosuid,nodev,noexec,size=1m,mode=0700,${owner}`,
      '/tmp': 'rw,nosuid,nodev,noexec,size=16m,mode=1777',
    },
    readOnlyRootfs: true,
    capAdd: [],
    resources: { memoryBytes: options.memoryBytes, nanoCpus: 1_000_000_000, pidsLimit: 512 },
    labels: { ...options.labels },
  };
}
