import type { EntityManager } from 'typeorm';
import { loadConfig } from '#platform';
import { JobQueue, type QueueDefinition, type QueuedJob } from '#platform/jobs';
import { EngineError } from '#runtime';
import type { Operation, OperationStep, Tenant } from '../entities/index.js';
import { OPERATION_KINDS, type OperationKind } from '../operations/operation-kinds.js';
import { OperationJournal } from '../operations/operation-journal.js';
import { progressOf } from '../operations/operations.service.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { OperationHandler, OperationRunner, type Steps } from './operation-runner.js';
import { PermanentFailure, TenantBusy } from './pipeline-errors.js';
import { type Locked, TenantLocks } from './tenant-locks.js';

// The operation runner against typed fakes of its ports: retries, busy tenants, failures and
// resumption, in milliseconds. The real ports are covered by the integration and e2e tiers.

class FakeJournal extends OperationJournal {
  readonly operations = new Map<string, Operation>();
  private clock = 0;

  add(kind: OperationKind, targetId: string, steps: Partial<Record<string, OperationStep['state']>> = {}): Operation {
    const id = `op-${this.operations.size + 1}`;
    const operation = {
      id, kind, targetType: 'tenant', targetId, organizationId: 'org', state: 'queued', progress: 0, error: null, attempts: 0, requestedBy: null,
      steps: OPERATION_KINDS[kind].map((step) => ({ name: step.name, title: step.title, state: steps[step.name] ?? 'pending' })),
      createdAt: new Date(++this.clock), startedAt: null, finishedAt: null, updatedAt: new Date(this.clock),
    } as Operation;
    this.operations.set(id, operation);
    return operation;
  }

  async find(id: string) {
    return this.operations.get(id) ?? null;
  }
  async begin(id: string) {
    return this.change(id, (o) => {
      o.state = 'running';
      o.attempts += 1;
      o.error = null;
      for (const step of o.steps) if (step.state === 'running' || step.state === 'failed') step.state = 'pending';
    });
  }
  async stepStarted(id: string, name: string) {
    return this.change(id, (o) => (this.step(o, name).state = 'running'));
  }
  async stepProgress(id: string, name: string, message: string) {
    return this.change(id, (o) => (this.step(o, name).message = message));
  }
  async stepDone(id: string, name: string, message?: string, state: 'done' | 'skipped' = 'done') {
    return this.change(id, (o) => Object.assign(this.step(o, name), { state, ...(message ? { message } : {}) }));
  }
  async succeed(id: string) {
    return this.change(id, (o) => (o.state = 'succeeded'));
  }
  async fail(id: string, error: string) {
    return this.change(id, (o) => {
      o.state = 'failed';
      o.error = error;
      const running = o.steps.find((step) => step.state === 'running');
      if (running) running.state = 'failed';
    });
  }
  async noteRetry(id: string, error: string) {
    return this.change(id, (o) => (o.error = `retrying after: ${error}`));
  }
  async unfinishedFor(targetId: string) {
    return [...this.operations.values()].filter((o) => o.targetId === targetId && (o.state === 'queued' || o.state === 'running')).sort((a, b) => +a.createdAt - +b.createdAt);
  }

  private step(o: Operation, name: string): OperationStep {
    const step = o.steps.find((candidate) => candidate.name === name);
    if (!step) throw new Error(`no step ${name}`);
    return step;
  }
  private change(id: string, change: (o: Operation) => unknown): Operation {
    const o = this.operations.get(id)!;
    change(o);
    o.progress = o.state === 'succeeded' ? 100 : progressOf(o.steps);
    return o;
  }
}

class FakeTenants extends TenantDirectory {
  readonly tenants = new Map<string, Tenant>();
  async find(id: string, _manager?: EntityManager) {
    return this.tenants.get(id) ?? null;
  }
}

class FakeLocks extends TenantLocks {
  readonly heldElsewhere = new Set<string>();
  async withLock<T>(tenantId: string, work: () => Promise<T>): Promise<Locked<T>> {
    if (this.heldElsewhere.has(tenantId)) return { acquired: false };
    this.heldElsewhere.add(tenantId);
    try {
      return { acquired: true, result: await work() };
    } finally {
      this.heldElsewhere.delete(tenantId);
    }
  }
  async isLocked(tenantId: string) {
    return this.heldElsewhere.has(tenantId);
  }
}

class FakeQueue extends JobQueue {
  readonly sent: { queue: string; data: object }[] = [];
  async send(queue: QueueDefinition, data: object) {
    this.sent.push({ queue: queue.name, data });
    return 'job';
  }
  async announce() {}
  async work<T extends object>(_queue: QueueDefinition, _options: { concurrency: number }, _handler: (job: QueuedJob<T>) => Promise<void>) {}
  async subscribe() {}
}

/** A provision handler whose steps do what the test scripts: succeed, or throw. */
class ScriptedHandler extends OperationHandler {
  readonly kind = 'provision' as const;
  readonly ran: string[] = [];
  readonly failures: { tenantId: string; reason: string }[] = [];
  script: Partial<Record<string, () => void>> = {};

  async run(_tenant: Tenant, steps: Steps): Promise<void> {
    for (const { name } of OPERATION_KINDS.provision) {
      await steps.run(name, async (report) => {
        this.ran.push(name);
        this.script[name]?.();
        await report(`${name} ok`);
      });
    }
  }

  override async onFailure(tenant: Tenant, _operation: Operation, reason: string): Promise<void> {
    this.failures.push({ tenantId: tenant.id, reason });
  }
}

/** What the Docker adapter throws when the engine does not answer: transient. */
const engineDown = () => new EngineError('list containers', Object.assign(new Error('connect ECONNREFUSED /run/docker.sock'), { code: 'ECONNREFUSED' }));

describe('operation runner (service tier, typed fakes)', () => {
  let journal: FakeJournal;
  let tenants: FakeTenants;
  let locks: FakeLocks;
  let queue: FakeQueue;
  let handler: ScriptedHandler;
  let runner: OperationRunner;
  const config = loadConfig({ NODE_ENV: 'test', ALLMENDE_SECRET_KEY: 'A'.repeat(43) + '=' }, '/tmp');

  beforeEach(() => {
    journal = new FakeJournal();
    tenants = new FakeTenants();
    locks = new FakeLocks();
    queue = new FakeQueue();
    handler = new ScriptedHandler();
    runner = new OperationRunner(journal, tenants, locks, queue, config);
    runner.register(handler);
    tenants.tenants.set('t1', { id: 't1', slug: 'club' } as Tenant);
  });

  const lastTry = { retryCount: 8, retryLimit: 8 };
  const firstTry = { retryCount: 0, retryLimit: 8 };

  it('runs every step in order and succeeds', async () => {
    const operation = journal.add('provision', 't1');
    await runner.run(operation.id, firstTry);
    expect(handler.ran).toEqual(OPERATION_KINDS.provision.map((step) => step.name));
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'succeeded', progress: 100, attempts: 1 });
  });

  it('resumes after a crash: steps done before are skipped, the one left running starts over', async () => {
    const operation = journal.add('provision', 't1', { place: 'done', prepare: 'done', images: 'running' });
    operation.state = 'running';
    await runner.run(operation.id, firstTry);
    expect(handler.ran).toEqual(['images', 'deploy', 'health', 'admin', 'publish', 'activate']);
    expect(journal.operations.get(operation.id)!.state).toBe('succeeded');
  });

  it('rethrows a transient error for the queue to retry, and records why', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.deploy = () => {
      throw engineDown();
    };
    await expect(runner.run(operation.id, firstTry)).rejects.toThrow('ECONNREFUSED');
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'running', error: expect.stringContaining('retrying after') });
    expect(handler.failures).toEqual([]);
  });

  it('fails the operation on the last retry of a transient error, and lets the handler clean up', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.deploy = () => {
      throw engineDown();
    };
    await runner.run(operation.id, lastTry);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('ECONNREFUSED') });
    expect(journal.operations.get(operation.id)!.steps.find((step) => step.name === 'deploy')!.state).toBe('failed');
    expect(handler.failures).toEqual([{ tenantId: 't1', reason: expect.stringContaining('ECONNREFUSED') }]);
  });

  it('fails at once on a permanent error, whatever retries remain', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.images = () => {
      throw new PermanentFailure('Image(s) not on Docker host: allmende/prosody:0.12');
    };
    await runner.run(operation.id, firstTry);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'failed', error: 'Image(s) not on Docker host: allmende/prosody:0.12' });
    expect(handler.ran).toEqual(['place', 'prepare', 'images']);
    expect(handler.failures).toHaveLength(1);
  });

  it('waits while another process holds the tenant (TenantBusy), changing nothing', async () => {
    const operation = journal.add('provision', 't1');
    locks.heldElsewhere.add('t1');
    await expect(runner.run(operation.id, firstTry)).rejects.toBeInstanceOf(TenantBusy);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(handler.ran).toEqual([]);
  });

  it('runs a tenant\'s operations first in, first out: a later one waits for the earlier', async () => {
    const earlier = journal.add('provision', 't1');
    const later = journal.add('provision', 't1');
    await expect(runner.run(later.id, firstTry)).rejects.toBeInstanceOf(TenantBusy);
    expect(journal.operations.get(later.id)!.state).toBe('queued');
    await runner.run(earlier.id, firstTry);
    // finishing the earlier one wakes the later one at once, instead of at its retry's backoff
    expect(queue.sent).toEqual([{ queue: 'operation', data: { operationId: later.id } }]);
  });

  it('drops the duplicate job of a finished operation and fails an operation without a handler', async () => {
    const done = journal.add('provision', 't1');
    done.state = 'succeeded';
    await runner.run(done.id, firstTry);
    expect(handler.ran).toEqual([]);
    const orphan = journal.add('purge', 't1');
    await runner.run(orphan.id, firstTry);
    expect(journal.operations.get(orphan.id)).toMatchObject({ state: 'failed', error: 'no handler for purge on tenant' });
  });

  it('fails an operation whose tenant is gone', async () => {
    const operation = journal.add('provision', 'gone');
    await runner.run(operation.id, firstTry);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'failed', error: 'the tenant no longer exists' });
  });
});
