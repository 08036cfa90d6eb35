import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { TaskCleanupFilter, TaskDefaults, TaskRequest, TaskResult } from '../task.js';
import { checkTaskRequest, isRemovableTask, TASK_DEADLINE_LABEL, taskCreateOptions } from '../task.js';
import { LABELS } from '../plan/deployment-plan.js';
import { EngineError, engineCall, isNotFound, RuntimeError, statusCodeOf } from '../runtime-errors.js';
import { OutputTail, tail } from './engine-exec.js';
import { ownedVolume } from './volume-archive.js';

/** After its timeout a task container counts as abandoned once this grace period has passed too. */
const DEADLINE_GRACE_MS = 5 * 60_000;
/** How long to wait for the last output after the container exited. */
const OUTPUT_DRAIN_MS = 5_000;

/** Calls `onLine` with every complete line written to it (UTF-8, split across chunks safely). */
export class LineSplitter extends Writable {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.take(this.decoder.write(chunk));
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.take(this.decoder.end());
    if (this.pending) this.emitLine(this.pending);
    this.pending = '';
    done();
  }

  private take(text: string): void {
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emitLine(line);
  }

  private emitLine(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

/** Copies what is written into a tail (for the result) and, line by line, to a callback. */
function outputSink(limit: number, onLine: ((line: string) => void) | undefined, onError: (error: unknown) => void): { sink: Writable; tail: OutputTail } {
  const kept = new OutputTail(limit);
  const lines = new LineSplitter((line) => {
    try {
      onLine?.(line);
    } catch (error) {
      onError(error);
    }
  });
  const sink = new Writable({
    write(chunk: Buffer, encoding, done) {
      kept.write(chunk);
      lines.write(chunk, encoding, done);
    },
    final(done) {
      lines.end(done);
    },
  });
  sink.on('error', onError); // e.g. output arriving after the task was given up on: reported, never a crash
  return { sink, tail: kept };
}

async function assertNetworkExists(docker: Docker, network: string): Promise<void> {
  if (network === 'none' || network === 'bridge') return;
  try {
    const info = await docker.getNetwork(network).inspect();
    if (info.Name !== network) throw new RuntimeError('runtime.plan_refused', `Network "${network}" does not exist`);
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    if (isNotFound(error)) throw new RuntimeError('runtime.plan_refused', `Network "${network}" does not exist`);
    throw new EngineError(`inspect network ${network}`, error);
  }
}

async function killQuietly(container: Docker.Container): Promise<void> {
  try {
    await container.kill();
  } catch (error) {
    const status = statusCodeOf(error);
    if (status !== 404 && status !== 409 && status !== 304) throw new EngineError('kill task container', error); // 409: not running
  }
}

/** Removes the container; retried once, because a container that just exited can be briefly busy. */
async function removeContainer(container: Docker.Container): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await container.remove({ force: true, v: false });
      return;
    } catch (error) {
      if (isNotFound(error)) return;
      if (attempt >= 1) throw new EngineError('remove task container', error);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

type Outcome = { kind: 'exited'; exitCode: number } | { kind: 'timeout' } | { kind: 'aborted' };

/**
 * Runs one task container to its end and removes it whatever happens. The result carries the
 * exit code; errors are for what kept the task from running or finishing (refusal, missing
 * image, engine failure, timeout, abort). `onWarning` hears about problems that do not change
 * the outcome (a failed removal after success, a throwing line callback).
 */
export async function runTaskContainer(
  docker: Docker,
  request: TaskRequest,
  defaults: TaskDefaults,
  onWarning: (message: string) => void,
): Promise<TaskResult> {
  checkTaskRequest(request);
  const what = `${request.role} of tenant ${request.tenant.id}`;
  if (request.signal?.aborted) throw new RuntimeError('runtime.task_aborted', `${what} was aborted before it started`);
  for (const mount of request.volumes ?? []) await ownedVolume(docker, request.tenant.id, mount.volume);
  await assertNetworkExists(docker, request.network ?? 'none');

  const started = Date.now();
  const name = `alm-${request.role}-${randomBytes(6).toString('hex')}`;
  const options = taskCreateOptions(request, name, started + request.timeoutMs + DEADLINE_GRACE_MS, defaults);
  let container: Docker.Container;
  try {
    container = await docker.createContainer(options);
  } catch (error) {
    if (isNotFound(error)) {
      throw new RuntimeError('runtime.image_missing', `${what}: image ${request.image} is not on the engine (no registry here: build it with infra/images/build-all.sh)`, { cause: error });
    }
    throw new EngineError(`create ${what}`, error);
  }

  const warn = (error: unknown) => onWarning(`${name}: output callback failed: ${(error as Error)?.message ?? String(error)}`);
  const stdout = outputSink(request.stdoutLimitBytes ?? 1024 * 1024, request.onStdoutLine, warn);
  const stderr = outputSink(64 * 1024, request.onStderrLine, warn);
  try {
    const withStdin = request.stdin !== undefined;
    // attached before start, so not a line is missed
    const stream = (await engineCall(`attach to ${name}`, () =>
      container.attach({ stream: true, stdin: withStdin, stdout: true, stderr: true, hijack: withStdin }),
    )) as NodeJS.ReadWriteStream & { destroy(): void; end(chunk?: Buffer): void };
    const drained = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    container.modem.demuxStream(stream, stdout.sink, stderr.sink);

    // "next-exit": registered before start (the default "not-running" would return at once for a created container)
    const waited = engineCall(`wait for ${name}`, () => container.wait({ condition: 'next-exit' }));
    // if start fails, this wait fails later, when the container is removed: nobody needs to hear it
    waited.catch(() => undefined);
    await engineCall(`start ${name}`, () => container.start());
    // hijacked stream: end() closes the task's stdin (half-close), as `docker run -i` does
    if (withStdin) stream.end(request.stdin);

    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = await Promise.race<Outcome>([
      waited.then((status) => ({ kind: 'exited' as const, exitCode: status.StatusCode as number })),
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timeout' }), request.timeoutMs);
      }),
      new Promise<Outcome>((resolve) => {
        onAbort = () => resolve({ kind: 'aborted' });
        // (an output callback may have aborted already, while the task was starting)
        if (request.signal?.aborted) onAbort();
        else request.signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]).finally(() => {
      clearTimeout(timer);
      if (onAbort) request.signal?.removeEventListener('abort', onAbort);
    });

    if (outcome.kind !== 'exited') {
      await killQuietly(container);
      stream.destroy();
      const why = outcome.kind === 'timeout' ? `did not finish within ${Math.round(request.timeoutMs / 1000)} s and was killed` : 'was aborted and killed';
      throw new RuntimeError(
        outcome.kind === 'timeout' ? 'runtime.task_timeout' : 'runtime.task_aborted',
        `${what} (${name}) ${why}; stderr: ${tail(stderr.tail.text(), 1000) || '(empty)'}`,
      );
    }
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, OUTPUT_DRAIN_MS))]);
    stream.destroy(); // (ended by now, or given up on: nothing may be written into the closed sinks)
    await new Promise<void>((resolve) => stdout.sink.end(resolve));
    await new Promise<void>((resolve) => stderr.sink.end(resolve));
    return { exitCode: outcome.exitCode, stdout: stdout.tail.text(), stderr: stderr.tail.text(), durationMs: Date.now() - started, containerName: name };
  } finally {
    try {
      await removeContainer(container);
    } catch (error) {
      // a leftover is found by removeTasks once its deadline label has passed
      onWarning(`${name}: ${(error as Error).message}`);
    }
  }
}

/** Removes task containers (see TaskCleanupFilter); returns their names. */
export async function removeTaskContainers(docker: Docker, filter: TaskCleanupFilter = {}): Promise<string[]> {
  const label = [`${LABELS.managed}=true`, `${TASK_DEADLINE_LABEL}`];
  if (filter.tenantId !== undefined) label.push(`${LABELS.tenant}=${filter.tenantId}`);
  if (filter.role !== undefined) label.push(`${LABELS.role}=${filter.role}`);
  const listed = await engineCall('list task containers', () => docker.listContainers({ all: true, filters: { label } }));
  const removed: string[] = [];
  const now = Date.now();
  for (const item of listed) {
    if (!isRemovableTask(item.Labels, filter, now)) continue;
    const name = (item.Names?.[0] ?? item.Id).replace(/^\//, '');
    await removeContainer(docker.getContainer(item.Id));
    removed.push(name);
  }
  return removed;
}
