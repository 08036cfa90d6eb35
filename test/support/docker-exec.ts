import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { LABELS } from '#runtime';

/** Runs argv in a container (test helper) and returns exit code and output. */
export async function dockerExec(docker: Docker, containerId: string, argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const collect = (into: Buffer[]) => new Writable({ write: (chunk, _encoding, done) => (into.push(chunk), done()) });
  docker.modem.demuxStream(stream, collect(out), collect(err));
  await new Promise((resolve) => stream.on('end', resolve));
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) {
      return { exitCode: info.ExitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('exec did not finish');
}

/** Removes everything labelled for a tenant (test cleanup; Allmende's own remove is under test elsewhere). */
export async function removeTenantObjects(docker: Docker, tenantId: string): Promise<void> {
  const label = `${LABELS.tenant}=${tenantId}`;
  for (const container of await docker.listContainers({ all: true, filters: { label: [label] } })) {
    await docker.getContainer(container.Id).remove({ force: true, v: true });
  }
  for (const volume of (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? []) await docker.getVolume(volume.Name).remove();
  for (const network of await docker.listNetworks({ filters: { label: [label] } })) {
    // an edge proxy may still sit on it (the test's control plane is closed afterwards)
    const attached = (await docker.getNetwork(network.Id).inspect()).Containers ?? {};
    for (const container of Object.keys(attached)) await docker.getNetwork(network.Id).disconnect({ Container: container, Force: true }).catch(() => undefined);
    await docker.getNetwork(network.Id).remove();
  }
}

export async function containersOf(docker: Docker, tenantId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${tenantId}`] } });
}
