import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function globalTeardown() {
  const dir = process.env.ALLMENDE_TEST_PG_DIR;
  if (!dir) return;
  delete process.env.ALLMENDE_TEST_PG_DIR;
  delete process.env.ALLMENDE_TEST_PG_ADMIN_URL;
  const { stopEmbeddedPostgres } = await import(join(root, 'dist/libs/platform/src/database/index.js'));
  await stopEmbeddedPostgres(join(dir, 'pg'));
  rmSync(dir, { recursive: true, force: true });
}
