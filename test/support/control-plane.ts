import type { INestApplicationContext } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Operation } from '#provisioning';
import { createWorkerApp } from '../../apps/worker/src/worker-app.js';
import { ApiHarness, startApiHarness } from './api-harness.js';

export interface ControlPlane extends ApiHarness {
  worker: INestApplicationContext;
  /** Polls the operation until it finishes; fails with its steps if it failed or took too long. */
  waitForOperation(id: string, timeoutMs?: number): Promise<Operation>;
}

/** API and worker in this process, on one fresh database, driving the engine at DOCKER_HOST. */
export async function startControlPlane(env: Record<string, string | undefined> = {}): Promise<ControlPlane> {
  const harness = await startApiHarness({
    ALLMENDE_DOCKER_HOSTS: `local=${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`,
    ALLMENDE_IMAGE_OVERRIDES: JSON.stringify({
      'ghcr.io/mastodon/mastodon:v4.3.17': 'allmende-test/mastodon-standin:4.3',
      'ghcr.io/mastodon/mastodon-streaming:v4.3.17': 'allmende-test/mastodon-standin:4.3',
    }),
    ...env,
  });
  const worker = await createWorkerApp(harness.config, harness.db.url);
  await worker.init();
  return {
    ...harness,
    worker,
    async waitForOperation(id, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const operation = await harness.dataSource.manager.findOneByOrFail(Operation, { id });
        if (operation.state === 'succeeded') return operation;
        if (operation.state === 'failed' || Date.now() > deadline) {
          throw new Error(`operation ${operation.kind} ${operation.state}${operation.error ? `: ${operation.error}` : ''}\n${JSON.stringify(operation.steps, null, 2)}`);
        }
        await sleep(250);
      }
    },
    async close() {
      await worker.close();
      await harness.close();
    },
  };
}
