import { parseSitesFile } from './backup-sites.js';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const files: Record<string, string> = { '/etc/allmende/ssh-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n', '/etc/allmende/rest': 'rest-pw\n' };
const read = (path: string) => {
  if (!(path in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return files[path];
};

describe('the operator\'s backup sites file', () => {
  it('reads two sites, each with its own schedule and retention, secrets from files', () => {
    const sites = parseSitesFile(
      {
        sites: [
          { kind: 'local', name: 'local', path: '/srv/allmende-backups', retention: { daily: 7, weekly: 4, monthly: 3 } },
          { kind: 'rest', name: 'offsite', url: 'https://rest.example.org:8000/coop', username: 'coop', appendOnly: true, schedule: { windowStart: '02:00', windowEnd: '04:00', timeZone: 'Europe/Berlin' }, credentials: { restPasswordFile: '/etc/allmende/rest' } },
          { kind: 'sftp', name: 'sftp', user: 'allmende', host: 'backup.example.org', path: '/srv/backup', hostKey: HOST_KEY, credentials: { sshPrivateKeyFile: '/etc/allmende/ssh-key' } },
        ],
      },
      read,
    );
    expect(sites.map((s) => s.site.name)).toEqual(['local', 'offsite', 'sftp']);
    expect(sites[0].site.retention).toEqual({ daily: 7, weekly: 4, monthly: 3, last: 0 });
    expect(sites[1].site.schedule).toMatchObject({ windowStart: '02:00', timeZone: 'Europe/Berlin' });
    expect(sites[1].credentials).toEqual({ restPassword: 'rest-pw' });
    expect(sites[2].credentials?.sshPrivateKey).toContain('OPENSSH PRIVATE KEY');
    // the default retention for a site that names none: 15 daily, 4 weekly, 6 monthly
    expect(sites[1].site.retention).toEqual({ daily: 15, weekly: 4, monthly: 6, last: 0 });
  });

  it('names every bad field in one line, secrets inline included', () => {
    const problem = () =>
      parseSitesFile(
        {
          sites: [
            { kind: 'local', name: 'Local Disk', path: 'relative/dir' },
            { kind: 'rest', name: 'offsite', url: 'ftp://x', credentials: { restPassword: 'inline-secret' } },
            { kind: 'rest', name: 'offsite', url: 'http://rest:8000', credentials: { restPasswordFile: '/etc/missing' } },
          ],
        },
        read,
      );
    expect(problem).toThrow(/sites\[0\]\.name: .*sites\[0\]\.path: .*sites\[1\]\.url: .*sites\[1\]\.credentials\.restPassword: not a known secret file.*sites\[2\]\.credentials\.restPasswordFile: cannot read \/etc\/missing \(ENOENT\)/);
    expect(problem).not.toThrow(/inline-secret/);
    expect(() => parseSitesFile({ sites: [] }, read)).toThrow('at least one site');
    expect(() => parseSitesFile({ sites: [{ kind: 'local', name: 'a', path: '/srv/a' }, { kind: 'local', name: 'a', path: '/srv/b' }] }, read)).toThrow('sites[1].name: "a" is used by another site');
  });
});
