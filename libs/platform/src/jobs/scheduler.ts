import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROCESS_ROLE, type ProcessRole } from '../config/config.module.js';
import { isConnectionFailure } from '../errors/unavailable.js';
import { JobQueue } from './job-queue.js';

/**
 * A background task the worker runs again and again. Tasks are idempotent and safe to run
 * in several worker processes at once (they claim rows with locks or SKIP LOCKED).
 */
export interface PeriodicTask {
  /** e.g. provisioning.reconcile; shown in logs. */
  readonly name: string;
  /** Pause between passes when a pass found nothing more to do. */
  readonly intervalMs: number;
  /** A NOTIFY on this topic (JobQueue.announce or a queue send) starts the next pass at once. */
  readonly wakeOn?: string;
  /** Which processes run it (default: the worker only). */
  readonly roles?: readonly ProcessRole[];
  /** One pass. 'more' runs the next pass at once (a backlog drains without pauses). */
  run(): Promise<'more' | 'idle' | void>;
}

/** The pause after a pass that threw, growing to the task's interval. */
function failureBackoffMs(failures: number, intervalMs: number): number {
  return Math.min(intervalMs, 250 * 2 ** Math.min(failures, 10));
}

/**
 * The one scheduler for periodic and drain-until-idle work (reconcile, host checks, billing
 * sweep, webhook and mail draining). Libraries register their tasks; the worker runs them (a task
 * may ask to run in the API as well).
 * A pass never overlaps the previous pass of the same task; shutdown waits for passes to end.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Scheduler.name);
  private readonly tasks = new Map<string, PeriodicTask>();
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Map<string, () => void>();
  private stopping = false;
  private running = false;

  constructor(
    private readonly queue: JobQueue,
    @Inject(PROCESS_ROLE) private readonly role: ProcessRole,
  ) {}

  /** Registers a task (call from onModuleInit); it starts when the application has booted. */
  register(task: PeriodicTask): void {
    if (this.tasks.has(task.name)) throw new Error(`scheduler: task ${task.name} is registered twice`);
    this.tasks.set(task.name, task);
    if (this.running && this.runsHere(task)) this.loops.push(this.loop(task));
  }

  /** Runs one pass of a task now, in this process (tests, operator commands). */
  async runOnce(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (!task) throw new Error(`scheduler: no task ${name}`);
    await task.run();
  }

  taskNames(): string[] {
    return [...this.tasks.keys()];
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.role === 'cli') return;
    this.running = true;
    for (const task of this.tasks.values()) if (this.runsHere(task)) this.loops.push(this.loop(task));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers.values()) wake();
    await Promise.all(this.loops);
  }

  private runsHere(task: PeriodicTask): boolean {
    return (task.roles ?? ['worker']).includes(this.role);
  }

  private async loop(task: PeriodicTask): Promise<void> {
    if (task.wakeOn) await this.queue.subscribe(task.wakeOn, () => this.wakers.get(task.name)?.());
    let failures = 0;
    while (!this.stopping) {
      let outcome: 'more' | 'idle' | 'failed';
      try {
        outcome = (await task.run()) === 'more' ? 'more' : 'idle';
        failures = 0;
      } catch (error) {
        outcome = 'failed';
        failures++;
        if (!isConnectionFailure(error)) {
          this.logger.error(`${task.name} failed (pass ${failures} in a row): ${(error as Error).message}`);
        } else if (failures === 1 || failures % 20 === 0) {
          // the database (or an engine) is away: every task says so; once is enough
          this.logger.warn(`${task.name} waits: ${(error as Error).message} (pass ${failures} in a row)`);
        }
      }
      if (this.stopping) break;
      if (outcome === 'more') continue;
      await this.pause(task, outcome === 'failed' ? failureBackoffMs(failures, task.intervalMs) : task.intervalMs);
    }
  }

  private async pause(task: PeriodicTask, ms: number): Promise<void> {
    const controller = new AbortController();
    await Promise.race([
      new Promise<void>((resolve) => this.wakers.set(task.name, resolve)),
      sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined),
    ]).finally(() => controller.abort());
    this.wakers.delete(task.name);
  }
}
