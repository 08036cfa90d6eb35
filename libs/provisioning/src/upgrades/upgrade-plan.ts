import { type AppTemplate, upgradeStep } from '#catalog';
import type { TenantState } from '#domain';
import type { FleetSelection, MaintenanceWindow } from '../entities/index.js';
import { describeWindow } from './maintenance-window.js';

/** Only a running tenant is upgraded; a suspended one keeps its version until it is paid again. */
export const UPGRADABLE_STATES: readonly TenantState[] = ['active', 'past_due'];

/** What an upgrade operation is asked to do (operation.input). */
export interface UpgradeInput {
  app: string;
  from: string;
  to: string;
  /** Set when a fleet rollout started it. */
  rolloutId?: string;
}

/** One tenant's app as the planner sees it (loaded by the service, decided here). */
export interface FleetMember {
  tenantId: string;
  slug: string;
  state: TenantState;
  hostId: string | null;
  version: string;
  pinned: boolean;
  /** It has an unfinished operation. */
  busy: boolean;
  window: MaintenanceWindow | null;
}

export type SkipReason = 'pinned' | 'not_running' | 'busy' | 'current' | 'refused';

export type PlannedUpgrade =
  | {
      tenantId: string;
      slug: string;
      action: 'upgrade';
      from: string;
      to: string;
      /** Services whose containers are replaced. */
      replaced: string[];
      /** Upgrade hooks that run, in order. */
      hooks: string[];
      /** Seconds the app is expected to be away: measured on earlier upgrades when there are some. */
      downtimeSeconds: number;
      downtimeBasis: 'measured' | 'estimated';
      /** The club's maintenance window, in words; null: any time. */
      window: string | null;
    }
  | { tenantId: string; slug: string; action: 'skip'; from: string; to: string; reason: SkipReason; detail: string };

/** Does the tenant belong to the selection (every list given narrows it)? */
export function selects(selection: FleetSelection, member: FleetMember): boolean {
  if (selection.tenantIds?.length && !selection.tenantIds.includes(member.tenantId)) return false;
  if (selection.fromVersions?.length && !selection.fromVersions.includes(member.version)) return false;
  if (selection.hostIds?.length && (!member.hostId || !selection.hostIds.includes(member.hostId))) return false;
  if (selection.states?.length && !selection.states.includes(member.state)) return false;
  return true;
}

/**
 * The dry run: for each selected tenant, either what its upgrade will do (containers replaced,
 * hooks, downtime) or why it is skipped. Pure; a rollout is made from the same answer.
 */
export function planFleetUpgrade(
  template: AppTemplate,
  to: string,
  members: readonly FleetMember[],
  selection: FleetSelection,
  measuredDowntimeSeconds: number | null,
): PlannedUpgrade[] {
  return members.filter((member) => selects(selection, member)).map((member) => planOne(template, to, member, measuredDowntimeSeconds));
}

export function planOne(template: AppTemplate, to: string, member: FleetMember, measuredDowntimeSeconds: number | null): PlannedUpgrade {
  const base = { tenantId: member.tenantId, slug: member.slug, from: member.version, to };
  const skip = (reason: SkipReason, detail: string): PlannedUpgrade => ({ ...base, action: 'skip', reason, detail });
  if (member.version === to) return skip('current', `already runs ${to}`);
  if (member.pinned) return skip('pinned', `pinned at ${member.version}`);
  if (!UPGRADABLE_STATES.includes(member.state)) return skip('not_running', `the tenant is ${member.state}`);
  if (member.busy) return skip('busy', 'another operation of this tenant is unfinished');
  const step = upgradeStep(template, member.version, to);
  if (!step.allowed) return skip('refused', `${step.code}${step.values.next ? ` (upgrade to ${step.values.next} first)` : ''}`);
  return {
    ...base,
    action: 'upgrade',
    replaced: step.replaced,
    hooks: step.hooks.map((hook) => hook.name),
    downtimeSeconds: measuredDowntimeSeconds ?? estimateDowntime(template, step.replaced, step.hooks.length),
    downtimeBasis: measuredDowntimeSeconds === null ? 'estimated' : 'measured',
    window: member.window ? describeWindow(member.window) : null,
  };
}

/**
 * Without earlier upgrades to go by: each replaced service is away until its health check
 * passes (at most its start period), each upgrade hook a little more.
 */
export function estimateDowntime(template: AppTemplate, replaced: readonly string[], hooks: number): number {
  const starts = replaced.map((service) => 5 + Math.min(template.services[service]?.healthcheck?.startPeriodSeconds ?? 10, 30));
  return Math.max(0, ...starts) + 10 * hooks;
}

/** The median of measured downtimes (seconds), or null without any. */
export function medianSeconds(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2);
}
