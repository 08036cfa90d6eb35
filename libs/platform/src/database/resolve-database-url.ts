import type { AppConfig } from '../config/app-config.js';
import { ensureEmbeddedPostgres } from './embedded-postgres.js';

/** DATABASE_URL when set, else the embedded server (started if nobody has started it yet). */
export async function resolveDatabaseUrl(config: AppConfig, log: (message: string) => void = () => undefined): Promise<string> {
  if (config.database.url) return config.database.url;
  const handle = await ensureEmbeddedPostgres({ ...config.database.embedded, log });
  return handle.url;
}
