import { LABELS, type DeploymentPlan, type PlannedContainer } from './deployment-plan.js';
import { RuntimeError } from '../runtime-errors.js';

export type Labels = Record<string, string>;

/** allmende.role of the containers the adapter creates. */
export const ROLES = { service: 'service', oneShot: 'one-shot', volumeHelper: 'volume-helper', backupTask: 'backup-task' } as const;

/** Helpers (volume archives, backup tasks) belong to a tenant but are none of its app containers. */
export function isHelperRole(role: string | undefined): boolean {
  return role === ROLES.volumeHelper || role === ROLES.backupTask;
}

/**
 * Ownership is proven by managed=true AND the tenant label. managed=true alone proves
 * nothing: our images carry it as an image label, which every container inherits.
 */
export function isOwnedBy(labels: Labels | null | undefined, tenantId: string, app?: string): boolean {
  if (!labels || labels[LABELS.managed] !== 'true' || labels[LABELS.tenant] !== tenantId) return false;
  return app === undefined || labels[LABELS.app] === app;
}

/** Label filters for list calls (the engine ANDs them). */
export function ownerFilters(tenantId: string, app?: string): { label: string[] } {
  const label = [`${LABELS.managed}=true`, `${LABELS.tenant}=${tenantId}`];
  if (app !== undefined) label.push(`${LABELS.app}=${app}`);
  return { label };
}

function tenantLabels(plan: DeploymentPlan): Labels {
  return { [LABELS.managed]: 'true', [LABELS.tenant]: plan.tenant.id, [LABELS.tenantSlug]: plan.tenant.slug };
}

/** The plan's labels plus the ones ownership depends on; a plan may not contradict those. */
function merge(what: string, planned: Labels, enforced: Labels): Labels {
  for (const [key, value] of Object.entries(enforced)) {
    if (key in planned && planned[key] !== value) {
      throw new RuntimeError('runtime.plan_refused', `${what}: label ${key}="${planned[key]}" contradicts "${value}"`);
    }
  }
  return { ...planned, ...enforced };
}

/** The network is shared by the tenant's apps, so it carries no app label of its own. */
export function networkLabels(plan: DeploymentPlan): Labels {
  return merge(`network ${plan.network.name}`, plan.network.labels, tenantLabels(plan));
}

export function volumeLabels(plan: DeploymentPlan, volume: { name: string; labels: Labels }): Labels {
  return merge(`volume ${volume.name}`, volume.labels, { ...tenantLabels(plan), [LABELS.app]: plan.app });
}

export function containerLabels(plan: DeploymentPlan, container: PlannedContainer): Labels {
  return merge(`container ${container.name}`, container.labels, {
    ...tenantLabels(plan),
    [LABELS.app]: plan.app,
    [LABELS.service]: container.service,
    [LABELS.planHash]: plan.hash,
    [LABELS.role]: container.oneShot ? ROLES.oneShot : ROLES.service,
  });
}

/** An object with our name that we cannot prove is ours: never touched, the operation stops. */
export function nameConflict(kind: string, name: string, labels: Labels | null | undefined): RuntimeError {
  const shown = Object.entries(labels ?? {})
    .filter(([key]) => key.startsWith('allmende.'))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return new RuntimeError(
    'runtime.name_conflict',
    `${kind} "${name}" exists but is not labelled for this tenant and app (${shown || 'no allmende labels'}); refusing to touch it`,
  );
}
