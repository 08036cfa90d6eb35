import { resolve } from 'node:path';
import type { AppTemplate } from './app-template.js';
import { loadTemplates } from './load-template.js';
import { upgradeStep, upgradeTargets } from './upgrade-paths.js';

const shipped = loadTemplates(resolve(process.cwd(), 'templates'));

/** Prosody with a chain 0.12 -> 13.0 -> 14.0, and 14.0 reachable only through 13.0. */
function chain(): AppTemplate {
  const template = structuredClone(shipped.get('prosody')!);
  template.versions.push({ version: '14.0', default: false, upgradeFrom: ['13.0'], images: { prosody: 'allmende/prosody:14' } });
  template.hooks.upgrade = [
    { name: 'every-upgrade', service: 'prosody', argv: ['true'], timeoutSeconds: 10, acceptExitCodes: [] },
    { name: 'into-14', service: 'prosody', argv: ['true'], timeoutSeconds: 10, acceptExitCodes: [], toVersions: ['14.0'] },
  ];
  return template;
}

describe('upgrade paths', () => {
  it('offers the real upgrades of the shipped templates', () => {
    expect(upgradeTargets(shipped.get('prosody')!, '0.12')).toEqual(['13.0']);
    expect(upgradeTargets(shipped.get('wordpress')!, '6.1')).toEqual(['6.8']);
    expect(upgradeTargets(shipped.get('mastodon')!, '4.3')).toEqual(['4.4']);
    expect(upgradeTargets(shipped.get('prosody')!, '13.0')).toEqual([]);
  });

  it('allows a listed step and says which containers are replaced and which hooks run', () => {
    const step = upgradeStep(shipped.get('wordpress')!, '6.1', '6.8');
    expect(step).toMatchObject({ allowed: true, from: '6.1', to: '6.8', replaced: ['web'] });
    expect(step.allowed && step.hooks.map((hook) => hook.name)).toEqual(['upgrade-database']);
    const mastodon = upgradeStep(shipped.get('mastodon')!, '4.3', '4.4');
    expect(mastodon.allowed && mastodon.replaced.sort()).toEqual(['db-prepare', 'sidekiq', 'streaming', 'web']);
  });

  it('runs hooks limited to a version only on upgrades into it', () => {
    const template = chain();
    const into13 = upgradeStep(template, '0.12', '13.0');
    const into14 = upgradeStep(template, '13.0', '14.0');
    expect(into13.allowed && into13.hooks.map((hook) => hook.name)).toEqual(['every-upgrade']);
    expect(into14.allowed && into14.hooks.map((hook) => hook.name)).toEqual(['every-upgrade', 'into-14']);
  });

  it('refuses an unknown version, the same version, a downgrade and a skipped step, each with its reason', () => {
    const template = chain();
    expect(upgradeStep(template, '0.12', '15.0')).toEqual({ allowed: false, code: 'upgrade.unknown_version', values: { app: 'prosody', version: '15.0', offered: '0.12, 13.0, 14.0' } });
    expect(upgradeStep(template, '13.0', '13.0')).toMatchObject({ allowed: false, code: 'upgrade.same_version' });
    expect(upgradeStep(template, '13.0', '0.12')).toEqual({ allowed: false, code: 'upgrade.downgrade', values: { app: 'prosody', from: '13.0', to: '0.12' } });
    expect(upgradeStep(template, '0.12', '14.0')).toEqual({ allowed: false, code: 'upgrade.skips_step', values: { app: 'prosody', from: '0.12', to: '14.0', next: '13.0' } });
  });

  it('refuses a version that no path reaches', () => {
    const template = chain();
    template.versions.push({ version: '20.0', default: false, upgradeFrom: [], images: { prosody: 'allmende/prosody:20' } });
    expect(upgradeStep(template, '14.0', '20.0')).toMatchObject({ allowed: false, code: 'upgrade.no_path', values: { sources: '-' } });
  });
});
