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
 * and to tmpfs (the admin socket, in a folder only its user can enter). IP forwarding off.
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
    // the edge sits on every tenant network: it must never route packets from one to another
    // (a container's network namespace starts with forwarding on; "default" covers networks joined later)
    sysctls: {
      'net.ipv4.ip_forward': '0',
      'net.ipv4.conf.default.forwarding': '0',
      'net.ipv6.conf.all.forwarding': '0',
      'net.ipv6.conf.default.forwarding': '0',
    },
    resources: { memoryBytes: options.memoryBytes, nanoCpus: 1_000_000_000, pidsLimit: 512 },
    labels: { ...options.labels },
  };
}
