import { LABELS } from './deployment-plan.js';
import { checkSystemContainer, isSystemOwned, systemContainerCreateOptions, type SystemContainerSpec } from './system-container.js';
import { RuntimeError } from '../runtime-errors.js';

const edge: SystemContainerSpec = {
  role: 'edge',
  name: 'allmende-edge',
  image: 'allmende/caddy:2.6',
  command: ['caddy', 'run', '--resume'],
  network: 'allmende-edge',
  ports: [
    { container: 8080, protocol: 'tcp', hostIp: '203.0.113.7', hostPort: 80 },
    { container: 8443, protocol: 'tcp', hostIp: '203.0.113.7', hostPort: 443 },
  ],
  volumes: [{ name: 'allmende-edge-data', target: '/var/lib/caddy' }],
  tmpfs: { '/run/caddy': 'rw,size=1m,mode=0700,uid=990,gid=990' },
  readOnlyRootfs: true,
  sysctls: { 'net.ipv4.ip_forward': '0' },
  resources: { memoryBytes: 512 * 1024 * 1024, nanoCpus: 1_000_000_000, pidsLimit: 512 },
  labels: { 'allmende-e2e.run': 'x1' },
};

function refusal(spec: SystemContainerSpec): string {
  try {
    checkSystemContainer(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('runtime.plan_refused');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('system containers', () => {
  it('are created without privileges or capabilities, with fixed host ports and the ownership labels', () => {
    const request = systemContainerCreateOptions(edge);
    expect(request.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.role]: 'edge', 'allmende-e2e.run': 'x1' });
    expect(request.Labels![LABELS.specHash]).toMatch(/^[0-9a-f]{64}$/);
    expect(request.HostConfig).toMatchObject({
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges:true'],
      ReadonlyRootfs: true,
      RestartPolicy: { Name: 'unless-stopped' },
      PortBindings: { '8080/tcp': [{ HostIp: '203.0.113.7', HostPort: '80' }], '8443/tcp': [{ HostIp: '203.0.113.7', HostPort: '443' }] },
      Mounts: [{ Type: 'volume', Source: 'allmende-edge-data', Target: '/var/lib/caddy', ReadOnly: false }],
      Tmpfs: { '/run/caddy': 'rw,size=1m,mode=0700,uid=990,gid=990' },
      Sysctls: { 'net.ipv4.ip_forward': '0' },
      NetworkMode: 'allmende-edge',
      Binds: [],
    });
  });

  it('get a new spec hash when what is published changes, and the same one otherwise', () => {
    const hash = (spec: SystemContainerSpec) => systemContainerCreateOptions(spec).Labels![LABELS.specHash];
    expect(hash(edge)).toBe(hash({ ...edge }));
    expect(hash({ ...edge, ports: [{ ...edge.ports[0], hostPort: 8081 }, edge.ports[1]] })).not.toBe(hash(edge));
  });

  it('refuse tenant roles and labels, host paths, bad addresses and tmpfs options', () => {
    expect(refusal({ ...edge, role: 'service' })).toContain('role');
    expect(refusal({ ...edge, labels: { [LABELS.tenant]: 't1' } })).toContain('tenant label');
    expect(refusal({ ...edge, volumes: [{ name: '/var/run/docker.sock', target: '/run/docker.sock' }] })).toContain('volume');
    expect(refusal({ ...edge, ports: [{ container: 8080, protocol: 'tcp', hostIp: 'example.org', hostPort: 80 }] })).toContain('host address');
    expect(refusal({ ...edge, tmpfs: { '/run': 'exec;rm -rf /' } })).toContain('tmpfs options');
    expect(refusal({ ...edge, capAdd: ['all the things'] })).toContain('capability');
    expect(refusal({ ...edge, sysctls: { 'kernel.shm_rmid_forced': '1' } })).toContain('sysctl');
    expect(refusal({ ...edge, sysctls: { 'net.ipv4.ip_forward': '0; reboot' } })).toContain('sysctl');
  });

  it('are owned only with managed=true, the role, and no tenant label', () => {
    expect(isSystemOwned({ [LABELS.managed]: 'true', [LABELS.role]: 'edge' }, 'edge')).toBe(true);
    expect(isSystemOwned({ [LABELS.role]: 'edge' }, 'edge')).toBe(false);
    expect(isSystemOwned({ [LABELS.managed]: 'true', [LABELS.role]: 'edge', [LABELS.tenant]: 't1' }, 'edge')).toBe(false);
    expect(isSystemOwned({ [LABELS.managed]: 'true', [LABELS.role]: 'service' }, 'edge')).toBe(false);
    expect(isSystemOwned(undefined, 'edge')).toBe(false);
  });
});
