export class DependencyCycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`dependency cycle ${cycle.join(' -> ')}`);
  }
}

/**
 * Services in start order: each after the services it depends on, otherwise in the
 * manifest's order, so the same template always gives the same order.
 */
export function startOrder(services: Record<string, { dependsOn: readonly string[] }>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new DependencyCycleError([...path.slice(path.indexOf(name)), name]);
    state.set(name, 'visiting');
    for (const dependency of services[name]?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return order;
}
