import { connect } from 'node:net';
import { tmpfsOptions, type DeploymentPlan, type PlannedContainer } from '#runtime';

/**
 * `docker run` argv for a planned container, as the benches' hand-written baselines start it:
 * the same image, env, mounts, limits and security options Allmende gives it (no shell).
 */
export function dockerRunArgs(plan: DeploymentPlan, c: PlannedContainer, options: { labels: string[]; publish: string[]; healthcheck: boolean }): string[] {
  return [
    'run', '-d', '--name', c.name, '--network', plan.network.name, '--network-alias', `${plan.app}-${c.service}`,
    ...options.labels,
    ...Object.entries(c.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...options.publish.flatMap((publish) => ['-p', publish]),
    ...c.mounts.flatMap((m) => ['--mount', `type=volume,source=${m.volume},target=${m.target}${m.readOnly ? ',readonly' : ''}`]),
    '--memory', String(c.resources.memoryBytes), '--memory-swap', String(c.resources.memoryBytes),
    '--cpus', String(c.resources.nanoCpus / 1e9), '--pids-limit', String(c.resources.pidsLimit),
    '--restart', c.restartPolicy, '--security-opt', 'no-new-privileges:true',
    ...(c.user ? ['--user', c.user] : []),
    '--cap-drop', 'ALL', ...c.capabilities.flatMap((capability) => ['--cap-add', capability]),
    ...(c.readOnlyRootFilesystem ? ['--read-only'] : []),
    ...c.tmpfs.flatMap((mount) => ['--tmpfs', `${mount.target}:${tmpfsOptions(mount)}`]),
    ...(options.healthcheck && c.healthcheck ? ['--health-cmd', c.healthcheck.test.slice(1).join(' '), '--health-interval', `${c.healthcheck.intervalSeconds}s`] : []),
    c.image, ...(c.command ?? []),
  ];
}

/** Does an XMPP server answer a stream header on this port within a second? */
export function xmppStreamAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false)); // a proxy may accept, then close while Prosody still starts
    socket.on('connect', () =>
      socket.write("<?xml version='1.0'?><stream:stream to='bench.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
    );
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('<stream:stream')) done(true);
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
