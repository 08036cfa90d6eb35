import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '#platform';
import { createApiApp } from '../../apps/api/src/api-app.js';
import { COOKIES } from '../../libs/storefront/src/web/cookies.js';
import { csrfBinding, csrfKey, csrfToken } from '../../libs/storefront/src/web/csrf.js';
import { createTestDatabase, TestDatabase } from './database.js';

export interface ApiHarness {
  app: NestExpressApplication;
  config: AppConfig;
  db: TestDatabase;
  dataSource: DataSource;
  /**
   * supertest against the in-process server, as a browser that has opened our pages: it carries
   * a visit cookie and that visit's form token, so form posts pass the CSRF check (tests of the
   * check itself use `request(app.getHttpServer())` without them).
   */
  http(): ReturnType<typeof request.agent>;
  close(): Promise<void>;
}

/** A configuration for tests: its own data dir and key, quiet logs, the given overrides. */
export function testConfig(env: Record<string, string | undefined> = {}): { config: AppConfig; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'allmende-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    ALLMENDE_DATA_DIR: dataDir,
    ALLMENDE_SECRET_KEY: randomBytes(32).toString('base64'),
    ALLMENDE_DOCKER_HOSTS: 'local=unix:///run/allmende-test-no-docker.sock',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    // tests log in far more often than a person; the limit itself has its own test
    ALLMENDE_PASSWORD_ATTEMPTS_PER_MINUTE: '100000',
    ALLMENDE_PASSWORD_FAILURES_PER_ACCOUNT: '100000',
    // tests order and invite far more often than a club; the limits have their own tests
    ALLMENDE_ORDERS_PER_ADDRESS_PER_HOUR: '100000',
    ALLMENDE_INVITATIONS_PER_DAY: '100000',
    ...env,
  });
  return { config, dataDir };
}

const TEST_VISIT = 'test-visit-0123456789abcdef';

function browserLike(app: NestExpressApplication, config: AppConfig) {
  return request
    .agent(app.getHttpServer())
    .set('Cookie', `${COOKIES.visit}=${TEST_VISIT}`)
    .set('X-CSRF-Token', csrfToken(csrfKey(config.secretKey), csrfBinding(null, TEST_VISIT)));
}

/** The API on a fresh migrated database, served in-process. */
export async function startApiHarness(env: Record<string, string | undefined> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase();
  const { config, dataDir } = testConfig(env);
  const app = await createApiApp(config, db.url);
  await app.init();
  return {
    app,
    config,
    db,
    dataSource: app.get(DataSource),
    http: () => browserLike(app, config),
    async close() {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
