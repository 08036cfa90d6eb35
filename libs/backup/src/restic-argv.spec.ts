import { ValidationFailedError } from '#platform/errors';
import {
  backupArgv, checkArgv, forgetArgv, initArgv, parseSnapshotTags, requiredFilePath, restoreArgv, snapshotTags, snapshotsArgv, taskArgv, unlockArgv,
} from './restic-argv.js';

const REPO = '/repository';
const tags = { tenant: 'a1b2c3', app: 'prosody', kind: 'scheduled' as const };

function refused(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return Object.keys((error as ValidationFailedError).fields ?? {}).join(',');
  }
  throw new Error('expected a refusal');
}

describe('restic argv', () => {
  it('backs up with tags, a fixed host and --json; values in --flag=value form, paths after --', () => {
    expect(backupArgv(REPO, tags, ['/backup/prosody/data'])).toEqual([
      '--repo=/repository',
      'backup',
      '--json',
      '--host=allmende',
      '--tag=tenant=a1b2c3,app=prosody,kind=scheduled',
      '--',
      '/backup/prosody/data',
    ]);
  });

  it('skips the pre-scan when asked', () => {
    expect(backupArgv(REPO, tags, ['/backup/prosody/data'], { scan: false })).toEqual([
      '--repo=/repository', 'backup', '--json', '--host=allmende', '--tag=tenant=a1b2c3,app=prosody,kind=scheduled', '--no-scan', '--', '/backup/prosody/data',
    ]);
  });

  it.each([
    [{ ...tags, tenant: 'a,b' }, 'tags.tenant'],
    [{ ...tags, tenant: '--repo=/etc' }, 'tags.tenant'],
    [{ ...tags, app: 'Prosody' }, 'tags.app'],
    [{ ...tags, kind: 'hourly' }, 'tags.kind'],
    [{ ...tags, app: 'wp,kind=final' }, 'tags.app'],
    [{ ...tags, app: 'wp app' }, 'tags.app'],
    [{ ...tags, version: '6.8' }, 'tags'],
  ])('refuses hostile tags %j', (bad, field) => {
    expect(refused(() => snapshotTags(bad as never))).toBe(field);
  });

  it('reads tags back', () => {
    expect(parseSnapshotTags(['tenant=a1b2c3', 'app=prosody', 'kind=manual', 'version=1.2', 'loose'])).toEqual({ tenant: 'a1b2c3', app: 'prosody', kind: 'manual' });
  });

  it('forgets by retention, grouped by tags, only the chosen kinds of this tenant', () => {
    expect(forgetArgv(REPO, { daily: 15, weekly: 4, monthly: 6, last: 0 }, { tenant: 'a1b2c3' }, true)).toEqual([
      '--repo=/repository',
      'forget',
      '--json',
      '--group-by=tags',
      '--keep-daily=15',
      '--keep-weekly=4',
      '--keep-monthly=6',
      '--tag=tenant=a1b2c3,kind=scheduled',
      '--tag=tenant=a1b2c3,kind=manual',
      '--tag=tenant=a1b2c3,kind=pre-upgrade',
      '--prune',
    ]);
    expect(forgetArgv(REPO, { daily: 0, weekly: 0, monthly: 0, last: 3 }, { tenant: 'a1b2c3', app: 'wordpress', kinds: ['final'] }, false)).toEqual([
      '--repo=/repository', 'forget', '--json', '--group-by=tags', '--keep-last=3', '--tag=tenant=a1b2c3,app=wordpress,kind=final',
    ]);
    expect(refused(() => forgetArgv(REPO, { daily: 0, weekly: 0, monthly: 0, last: 0 }, { tenant: 'a1b2c3' }, false))).toBe('retention');
    expect(refused(() => forgetArgv(REPO, { daily: -1, weekly: 0, monthly: 0, last: 1 }, { tenant: 'a1b2c3' }, false))).toBe('retention.daily');
  });

  it('checks with a read-data subset', () => {
    expect(checkArgv(REPO, { readData: '5%' })).toEqual(['--repo=/repository', 'check', '--json', '--read-data-subset=5%']);
    expect(checkArgv(REPO, { readData: 'all' })).toContain('--read-data');
    expect(checkArgv(REPO, { readData: 'none' })).toEqual(['--repo=/repository', 'check', '--json']);
    expect(checkArgv(REPO, { readData: '1/7' })).toContain('--read-data-subset=1/7');
    for (const bad of ['5% --read-data', '0%', '101%', '-1', '5%;reboot', '']) expect(refused(() => checkArgv(REPO, { readData: bad }))).toBe('readData');
  });

  it('restores one volume of a snapshot into a target, deleting what the snapshot lacks', () => {
    const id = 'ab'.repeat(32);
    expect(restoreArgv(REPO, id, 'prosody', 'data', '/restore/data')).toEqual(['--repo=/repository', 'restore', '--json', '--target=/restore/data', '--delete', `${id}:/backup/prosody/data`]);
    expect(refused(() => restoreArgv(REPO, 'latest', 'prosody', 'data', '/restore/data'))).toBe('snapshotId');
    expect(refused(() => restoreArgv(REPO, 'ab'.repeat(32), 'prosody', '../etc', '/restore/data'))).toBe('volumes.mountAs');
  });

  it('lists snapshots of the tenant (and app)', () => {
    expect(snapshotsArgv(REPO, { tenant: 'a1b2c3', app: 'prosody' })).toEqual(['--repo=/repository', 'snapshots', '--json', '--tag=tenant=a1b2c3,app=prosody']);
    expect(initArgv(REPO)).toEqual(['--repo=/repository', 'init', '--json']);
    expect(unlockArgv(REPO)).toEqual(['--repo=/repository', 'unlock']);
  });

  it('keeps required files inside the backed-up volumes', () => {
    expect(requiredFilePath('wordpress', 'db/dump.sql', ['db', 'content'])).toBe('/backup/wordpress/db/dump.sql');
    for (const bad of ['db/../../etc/passwd', '/etc/passwd', 'db', 'other/dump.sql', 'db/./x', 'db/a b', 'db/$(id)', '--then']) {
      expect(refused(() => requiredFilePath('wordpress', bad, ['db', 'content']))).toBe('requireNonEmpty');
    }
  });

  it('builds the entry point argv: required files, then commands separated by --then', () => {
    expect(taskArgv([['--repo=/r', 'snapshots'], ['--repo=/r', 'check']], ['/backup/a/db/dump.sql'])).toEqual([
      '--require-nonempty', '/backup/a/db/dump.sql', '--', '--repo=/r', 'snapshots', '--then', '--repo=/r', 'check',
    ]);
    expect(() => taskArgv([['--then']])).toThrow();
  });
});
