import type { EdgeOptions } from '#edge';
import type { AppConfig } from '#platform';

/** The edge library's options from the configuration (the same on every Docker host). */
export function edgeOptionsOf(config: AppConfig): EdgeOptions {
  const { issuer, name, image } = config.edge;
  return { issuer: issuer.kind === 'acme' ? { ...issuer } : { kind: 'internal' }, name, image };
}
