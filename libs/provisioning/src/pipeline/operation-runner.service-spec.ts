import type { EntityManager } from 'typeorm';
import { loadConfig } from '#platform';
import { JobQueue, type LiveJob, type QueueDefinition, type QueuedJob, type SendOptions } from '#platform/jobs';
import { EngineError } from '#runtime';
import type { Operation, OperationFailureKind, OperationStep, Tenant } from '../entities/index.js';
import { WAITING_FOR_SERVERS, type UnreachableEngine } from '../hosts/engine-hint.js';
import { OPERATION_KINDS, type OperationKind } from '../operations/operation-kinds.js';
import { OperationJournal } from '../operations/operation-journal.js';
import { progressOf } from '../operations/operations.service.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { EngineProbe } from './engine-probe.js';
import { MAX_ATTEMPTS, OperationHandler, OperationRunner, type Steps } from './operation-runner.js';
import { PermanentFailure, TenantBusy } from './pipeline-errors.js';
import { type HeldLock, type Locked, TenantLocks } from './tenant-locks.js';

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
  async fail(id: string, error: string, kind: OperationFailureKind = 'permanent') {
    return this.change(id, (o) => {
      o.state = 'failed';
      o.error = error;
      o.failureKind = kind;
      const running = o.steps.find((step) => step.state === 'running');
      if (running) running.state = 'failed';
    });
  }
  async noteRetry(id: string, error: string) {
    return this.change(id, (o) => (o.error = `retrying after: ${error}`));
  }
  async noteWaiting(id: string, forOperator: string, forClub: string) {
    return this.change(id, (o) => {
      o.error = forOperator;
      const step = o.steps.find((s) => s.state === 'running') ?? o.steps.find((s) => s.state === 'pending');
      if (step) step.message = forClub;
    });
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
  /** Simulates a database restart after which another process took the lock. */
  loseLockDuringWork = false;
  async withLock<T>(tenantId: string, work: (lock: HeldLock) => Promise<T>): Promise<Locked<T>> {
    if (this.heldElsewhere.has(tenantId)) return { acquired: false };
    this.heldElsewhere.add(tenantId);
    const lock: HeldLock = {
      assertHeld: () => {
        if (this.loseLockDuringWork) throw new TenantBusy('lost the lock');
      },
    };
    try {
      return { acquired: true, result: await work(lock) };
    } finally {
      this.heldElsewhere.delete(tenantId);
    }
  }
  async isLocked(tenantId: string) {
    return this.heldElsewhere.has(tenantId);
  }
}

class FakeQueue extends JobQueue {
  readonly sent: { queue: string; data: object; startAfter?: SendOptions['startAfter'] }[] = [];
  /** Jobs per operation id that wait (created or retry), as liveJobs/runNow see them. */
  readonly waiting = new Map<string, LiveJob[]>();
  readonly madeDue: string[] = [];
  async send(queue: QueueDefinition, data: object, options: SendOptions = {}) {
    this.sent.push({ queue: queue.name, data, ...(options.startAfter ? { startAfter: options.startAfter } : {}) });
    return 'job';
  }
  async announce() {}
  async work<T extends object>(_queue: QueueDefinition, _options: { concurrency: number }, _handler: (job: QueuedJob<T>) => Promise<void>) {}
  async subscribe() {}
  async liveJobs(_queue: QueueDefinition, match: Record<string, string>) {
    return this.waiting.get(match.operationId) ?? [];
  }
  async runNow(_queue: QueueDefinition, match: Record<string, string>) {
    const jobs = this.waiting.get(match.operationId) ?? [];
    if (jobs.length) this.madeDue.push(match.operationId);
    return jobs.length;
  }
  async cancel() {}
}

class FakeEngines extends EngineProbe {
  away: UnreachableEngine | null = null;
  async unreachable(tenant: Pick<Tenant, 'dockerHostId'>) {
    return tenant.dockerHostId ? this.away : null;
  }
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
/** A hiccup in the middle of a conversation with an engine that is there: retried with backoff. */
const engineHiccup = () => new EngineError('inspect container', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));

describe('operation runner (service tier, typed fakes)', () => {
  let journal: FakeJournal;
  let tenants: FakeTenants;
  let locks: FakeLocks;
  let queue: FakeQueue;
  let handler: ScriptedHandler;
  let engines: FakeEngines;
  let runner: OperationRunner;
  const config = loadConfig({ NODE_ENV: 'test', ALLMENDE_SECRET_KEY: 'A'.repeat(43) + '=' }, '/tmp');

  beforeEach(() => {
    journal = new FakeJournal();
    tenants = new FakeTenants();
    locks = new FakeLocks();
    queue = new FakeQueue();
    handler = new ScriptedHandler();
    engines = new FakeEngines();
    runner = new OperationRunner(journal, tenants, locks, queue, config, engines);
    runner.register(handler);
    tenants.tenants.set('t1', { id: 't1', slug: 'club', dockerHostId: 'h1' } as Tenant);
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
      throw engineHiccup();
    };
    await expect(runner.run(operation.id, firstTry)).rejects.toThrow('ECONNRESET');
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'running', error: expect.stringContaining('retrying after') });
    expect(handler.failures).toEqual([]);
  });

  it('fails the operation on the last retry of a transient error, and lets the handler clean up', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.deploy = () => {
      throw engineHiccup();
    };
    await runner.run(operation.id, lastTry);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('ECONNRESET'), failureKind: 'transient' });
    expect(journal.operations.get(operation.id)!.steps.find((step) => step.name === 'deploy')!.state).toBe('failed');
    expect(handler.failures).toEqual([{ tenantId: 't1', reason: expect.stringContaining('ECONNRESET') }]);
  });

  it('fails at once on a permanent error, whatever retries remain', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.images = () => {
      throw new PermanentFailure('Image(s) not on Docker host: allmende/prosody:0.12');
    };
    await runner.run(operation.id, firstTry);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'failed', error: 'Image(s) not on Docker host: allmende/prosody:0.12', failureKind: 'permanent' });
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
    // the later one's job now waits for its retry: finishing the earlier one makes it due at once (no second job)
    queue.waiting.set(later.id, [{ id: 'j2', state: 'retry', startedAt: null, retryCount: 1 }]);
    await runner.run(earlier.id, firstTry);
    expect(queue.madeDue).toEqual([later.id]);
    expect(queue.sent).toEqual([]);
  });

  it('sends a job for the next operation only when it has none', async () => {
    const earlier = journal.add('provision', 't1');
    const later = journal.add('provision', 't1');
    await runner.run(earlier.id, firstTry);
    expect(queue.sent).toEqual([{ queue: 'operation', data: { operationId: later.id } }]);
  });

  it('waits for an engine that does not answer without counting an attempt or using up retries, and tells club and operator', async () => {
    engines.away = { host: 'local', endpoint: 'unix:///run/docker.sock', error: 'connect ENOENT /run/docker.sock' };
    const operation = journal.add('provision', 't1');
    await runner.run(operation.id, { ...firstTry, engineWaits: 3 });
    const waiting = journal.operations.get(operation.id)!;
    expect(waiting).toMatchObject({ state: 'queued', attempts: 0 });
    expect(waiting.error).toMatch(/^waiting: no Docker engine answers at unix:\/\/\/run\/docker.sock \(host local\); set DOCKER_HOST or ALLMENDE_DOCKER_HOSTS/);
    expect(waiting.steps[0].message).toBe(WAITING_FOR_SERVERS);
    expect(handler.ran).toEqual([]);
    // checked again later by a new job of the same chain, with a longer pause each time
    expect(queue.sent).toEqual([{ queue: 'operation', data: { operationId: operation.id, engineWaits: 4 }, startAfter: expect.any(Date) }]);
    const pause = (queue.sent[0].startAfter as Date).getTime() - Date.now();
    expect(pause).toBeGreaterThan(10_000);
    expect(pause).toBeLessThanOrEqual(30_000);
  });

  it('waits the same way when the engine goes away in the middle of a step', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.deploy = () => {
      engines.away = { host: 'local', endpoint: 'unix:///run/docker.sock', error: 'connect ECONNREFUSED' };
      throw engineDown();
    };
    await runner.run(operation.id, lastTry); // even on the last retry: nothing is failed for a missing engine
    const waiting = journal.operations.get(operation.id)!;
    expect(waiting.state).toBe('running');
    expect(waiting.steps.find((step) => step.name === 'deploy')).toMatchObject({ state: 'running', message: WAITING_FOR_SERVERS });
    expect(queue.sent).toEqual([{ queue: 'operation', data: { operationId: operation.id, engineWaits: 1 }, startAfter: expect.any(Date) }]);
    expect(handler.failures).toEqual([]);
    // the engine is back: the operation resumes at the step it stood at
    engines.away = null;
    handler.script.deploy = undefined;
    handler.ran.length = 0;
    await runner.run(operation.id, { ...firstTry, engineWaits: 1 });
    expect(handler.ran).toEqual(['deploy', 'health', 'admin', 'publish', 'activate']);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('waits instead of retrying when a hiccup was the engine going away (it does not answer a ping now)', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.deploy = () => {
      engines.away = { host: 'local', endpoint: 'unix:///run/docker.sock', error: 'connect ENOENT' };
      throw engineHiccup();
    };
    await runner.run(operation.id, firstTry);
    expect(journal.operations.get(operation.id)!.error).toMatch(/^waiting: /);
    expect(queue.sent).toEqual([{ queue: 'operation', data: { operationId: operation.id, engineWaits: 1 }, startAfter: expect.any(Date) }]);
  });

  it('fails (as transient) an operation whose worker died under it too often', async () => {
    const operation = journal.add('provision', 't1');
    operation.state = 'running';
    operation.attempts = MAX_ATTEMPTS;
    await runner.run(operation.id, firstTry);
    expect(journal.operations.get(operation.id)).toMatchObject({ state: 'failed', failureKind: 'transient', error: expect.stringContaining('without finishing') });
    expect(handler.failures).toHaveLength(1);
  });

  it('stops at the next step when its lock went to another process during a database restart', async () => {
    const operation = journal.add('provision', 't1');
    handler.script.prepare = () => {
      locks.loseLockDuringWork = true;
    };
    await expect(runner.run(operation.id, firstTry)).rejects.toBeInstanceOf(TenantBusy);
    expect(handler.ran).toEqual(['place', 'prepare']);
    expect(journal.operations.get(operation.id)!.state).toBe('running');
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
