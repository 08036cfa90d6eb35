import { resolve } from 'node:path';
import { generateSecrets, loadTemplates, renderDeploymentPlan } from '#catalog';
import { checkPlan, LABELS } from '#runtime';
import { backupVolumesOf, dumpServicesOf, isolatedPlan, mountOf, requiredDumpsOf, restoreHooksOf, restoreTargetsOf } from './backup-plan.js';

const templates = loadTemplates(resolve(process.cwd(), 'templates'));
const render = (app: string, tenant = { id: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc', slug: 'gardeners' }) => {
  const manifest = templates.get(app)!;
  return renderDeploymentPlan({
    manifest,
    tenant,
    version: manifest.defaultVersion,
    domains: { primary: 'club.example.org' },
    secrets: generateSecrets(manifest, manifest.defaultVersion),
    admin: { email: 'anna@example.org' },
    clubName: 'Gardeners',
    imageOverrides: {},
    // as the tenant itself has them: fixed host ports on the host's publish address
    published: { hostIp: '127.0.0.1', ports: { 'prosody:5222/tcp': 20001, 'prosody:5269/tcp': 20002 } },
  });
};

describe('what a backup takes and a restore gives back', () => {
  it('WordPress: wp-content and the dump, the dump required, loaded back by the database service', () => {
    const plan = render('wordpress');
    expect(backupVolumesOf(plan)).toEqual([{ name: 'alm-gardeners-wordpress-content', mountAs: 'content' }, { name: 'alm-gardeners-wordpress-db-dumps', mountAs: 'db-dumps' }]);
    expect(requiredDumpsOf(plan)).toEqual(['db-dumps/wordpress.sql']);
    expect(restoreHooksOf(plan).map((hook) => [hook.service, hook.argv[0]])).toEqual([['db', 'mariadb']]);
    expect(dumpServicesOf(plan)).toEqual(['db']);
    expect(mountOf(plan, 'alm-gardeners-wordpress-content')).toEqual({ service: 'web', image: 'allmende/wordpress:6.1', target: '/var/lib/wordpress/wp-content' });
  });

  it('Prosody: the data volume with SQLite\'s online copy in it; Mastodon: media and the Postgres dump', () => {
    const prosody = render('prosody');
    expect(backupVolumesOf(prosody).map((v) => v.mountAs)).toEqual(['data']);
    expect(requiredDumpsOf(prosody)).toEqual(['data/allmende-backup.sqlite']);
    expect(restoreHooksOf(prosody)[0]).toMatchObject({ user: 'prosody', argv: ['sqlite3', '/var/lib/prosody/prosody.sqlite', '.restore /var/lib/prosody/allmende-backup.sqlite'] });
    const mastodon = render('mastodon');
    expect(backupVolumesOf(mastodon).map((v) => v.mountAs)).toEqual(['system', 'db-dumps']);
    expect(requiredDumpsOf(mastodon)).toEqual(['db-dumps/mastodon_production.dump']);
  });

  it('restores by volume key into another tenant\'s volumes (a clone), only the volumes the snapshot has', () => {
    const clone = render('wordpress', { id: '5a5a5a5a-8b7d-4c6e-9f00-123456789abc', slug: 'gardeners-copy' });
    expect(restoreTargetsOf(clone)).toEqual([
      { mountAs: 'content', volume: 'alm-gardeners-copy-wordpress-content' },
      { mountAs: 'db-dumps', volume: 'alm-gardeners-copy-wordpress-db-dumps' },
    ]);
    expect(restoreTargetsOf(clone, ['content'])).toEqual([{ mountAs: 'content', volume: 'alm-gardeners-copy-wordpress-content' }]);
  });

  it('isolates a drill\'s plan: internal network, nothing published, nothing restarting, a consistent hash', () => {
    // Prosody: its XMPP ports are published on the host (web ports only reach the edge)
    const plan = render('prosody');
    const isolated = isolatedPlan(plan);
    expect(isolated.network.internal).toBe(true);
    expect(isolated.containers.flatMap((c) => c.ports).every((port) => !port.publish && port.hostIp === undefined && port.hostPort === undefined)).toBe(true);
    expect(isolated.containers.filter((c) => !c.oneShot).every((c) => c.restartPolicy === 'no')).toBe(true);
    expect(isolated.hash).not.toBe(plan.hash);
    expect(isolated.containers.every((c) => c.labels[LABELS.planHash] === isolated.hash)).toBe(true);
    expect(() => checkPlan(isolated)).not.toThrow();
    // the original is untouched
    expect(plan.network.internal).toBeUndefined();
    expect(plan.containers.some((c) => c.ports.some((p) => p.publish && p.hostPort === 20001 && p.hostIp === '127.0.0.1'))).toBe(true);
  });
});
