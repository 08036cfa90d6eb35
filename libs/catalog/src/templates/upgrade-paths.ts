import type { AppTemplate, HookSpec } from './app-template.js';

/** Why a version change is refused; the storefront's texts say it to people. */
export type UpgradeRefusalCode = 'upgrade.unknown_version' | 'upgrade.same_version' | 'upgrade.downgrade' | 'upgrade.skips_step' | 'upgrade.no_path';

export type UpgradeStep =
  | {
      allowed: true;
      from: string;
      to: string;
      /** Services whose image changes: their containers are replaced. */
      replaced: string[];
      /** The upgrade hooks that run for this step, in the manifest's order. */
      hooks: HookSpec[];
    }
  | { allowed: false; code: UpgradeRefusalCode; values: Record<string, string> };

const imageOf = (template: AppTemplate, version: string, service: string) =>
  template.versions.find((candidate) => candidate.version === version)?.images[service] ?? template.services[service]?.image;

/**
 * Whether `from` may become `to` in one upgrade, by the template's `upgradeFrom` lists (the
 * manifest lists versions oldest first). Pure: the API refuses with its answer before anything
 * changes, and the upgrade operation checks it again when it starts.
 */
export function upgradeStep(template: AppTemplate, from: string, to: string): UpgradeStep {
  const app = template.app;
  const offered = template.versions.map((version) => version.version);
  const target = template.versions.find((version) => version.version === to);
  if (!target) return { allowed: false, code: 'upgrade.unknown_version', values: { app, version: to, offered: offered.join(', ') } };
  if (from === to) return { allowed: false, code: 'upgrade.same_version', values: { app, version: to } };
  const fromIndex = offered.indexOf(from);
  if (fromIndex >= 0 && offered.indexOf(to) < fromIndex) return { allowed: false, code: 'upgrade.downgrade', values: { app, from, to } };
  if (!target.upgradeFrom.includes(from)) {
    const path = shortestPath(template, from, to);
    if (path && path.length > 2) return { allowed: false, code: 'upgrade.skips_step', values: { app, from, to, next: path[1] } };
    return { allowed: false, code: 'upgrade.no_path', values: { app, from, to, sources: target.upgradeFrom.join(', ') || '-' } };
  }
  return {
    allowed: true,
    from,
    to,
    replaced: Object.keys(template.services).filter((service) => imageOf(template, from, service) !== imageOf(template, to, service)),
    hooks: template.hooks.upgrade.filter((hook) => !hook.toVersions || hook.toVersions.includes(to)),
  };
}

/** The versions an app at `from` may upgrade to straight away, oldest first. */
export function upgradeTargets(template: AppTemplate, from: string): string[] {
  return template.versions.filter((version) => version.upgradeFrom.includes(from)).map((version) => version.version);
}

/** Versions from `from` to `to` along `upgradeFrom` edges, both ends included; null when there is no way. */
function shortestPath(template: AppTemplate, from: string, to: string): string[] | null {
  const previous = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length) {
    const current = queue.shift()!;
    if (current === to) break;
    for (const next of upgradeTargets(template, current)) {
      if (previous.has(next)) continue;
      previous.set(next, current);
      queue.push(next);
    }
  }
  if (!previous.has(to)) return null;
  const path = [to];
  while (path[0] !== from) path.unshift(previous.get(path[0])!);
  return path;
}
