import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecResult } from '../container-runtime.port.js';
import { engineCall, RuntimeError } from '../runtime-errors.js';

/** Keeps at most `limit` bytes of what is written to it: the tail, which is what explains a failure. */
export class OutputTail extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit = 1024 * 1024) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks[0].length;
      this.dropped += this.chunks.shift()!.length;
    }
    done();
  }

  text(): string {
    let buffer = Buffer.concat(this.chunks);
    let dropped = this.dropped;
    if (buffer.length > this.limit) {
      dropped += buffer.length - this.limit;
      buffer = buffer.subarray(buffer.length - this.limit);
    }
    return (dropped ? `[${dropped} bytes dropped]\n` : '') + buffer.toString('utf8');
  }
}

/** The last `chars` characters, for error messages. */
export function tail(text: string, chars = 2000): string {
  const trimmed = text.trimEnd();
  return trimmed.length > chars ? `…${trimmed.slice(-chars)}` : trimmed;
}

/** Splits a non-streamed multiplexed log buffer (8-byte frame headers) into its text. */
export function demuxBuffer(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length && buffer[offset] <= 2 && buffer.readUInt16BE(offset + 1) === 0 && buffer[offset + 3] === 0) {
    const length = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  if (offset < buffer.length) parts.push(buffer.subarray(offset)); // not multiplexed (TTY) or a partial frame
  return Buffer.concat(parts).toString('utf8');
}

/** The last lines a container wrote (stdout and stderr), for error messages. */
export async function logTail(container: Docker.Container, lines = 40): Promise<string> {
  try {
    const buffer = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false });
    return tail(demuxBuffer(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer))));
  } catch (error) {
    return `(logs unavailable: ${(error as Error).message})`;
  }
}

export interface ExecOptions {
  env?: Record<string, string>;
  user?: string;
  /** Written to the command's stdin, which is then closed: how secrets reach a command without argv. */
  stdin?: string | Buffer;
  /** Per stream (default 1 MiB). */
  maxOutputBytes?: number;
  timeoutMs: number;
  /** How the command is named in errors (a hook name, or the container). */
  label: string;
}

const MARKER = 'ALLMENDE_EXEC_ID';
// Docker has no "kill exec" call: a second exec kills every process that inherited the marker.
// Fixed script, the marker comes in as $1; needs sh, tr, grep and kill in the image.
const KILL_BY_MARKER = `for p in /proc/[0-9]*; do if tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx "${MARKER}=$1"; then kill -KILL "\${p#/proc/}" 2>/dev/null; fi; done; exit 0`;

/**
 * docker exec with argv (no shell), stdout and stderr captured separately, the exit code
 * from exec inspect. On timeout the process is killed and a RuntimeError thrown.
 * Env values are passed to the engine only; they never appear in errors or logs.
 */
export async function runExec(container: Docker.Container, argv: string[], options: ExecOptions): Promise<ExecResult> {
  if (argv.length === 0) throw new RuntimeError('runtime.plan_refused', `${options.label}: empty argv`);
  const marker = randomUUID();
  const env = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
  const exec = await engineCall(`exec in ${options.label}`, () =>
    container.exec({
      Cmd: argv,
      Env: [...env, `${MARKER}=${marker}`],
      ...(options.user ? { User: options.user } : {}),
      AttachStdin: options.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    }),
  );
  const withStdin = options.stdin !== undefined;
  const stream = (await engineCall(`exec in ${options.label}`, () => exec.start({ hijack: true, stdin: withStdin }))) as NodeJS.ReadWriteStream & {
    destroy(): void;
    end(chunk?: string | Buffer): void;
  };
  const stdout = new OutputTail(options.maxOutputBytes);
  const stderr = new OutputTail(options.maxOutputBytes);
  container.modem.demuxStream(stream, stdout, stderr);

  // hijacked stream: what is written goes to the process; end() closes its stdin (half-close)
  if (withStdin) stream.end(options.stdin);

  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<'ended'>((resolve, reject) => {
    stream.on('end', () => resolve('ended'));
    stream.on('close', () => resolve('ended'));
    stream.on('error', reject);
  });
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  let outcome: 'ended' | 'timeout';
  try {
    outcome = await Promise.race([ended, timedOut]);
  } catch (error) {
    throw new RuntimeError('runtime.engine_error', `${options.label}: exec stream failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }

  if (outcome === 'timeout') {
    stream.destroy();
    await killByMarker(container, marker, options.user);
    throw new RuntimeError(
      'runtime.exec_timeout',
      `${options.label}: ${argv[0]} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was killed; stderr: ${tail(stderr.text(), 1000) || '(empty)'}`,
    );
  }

  // The stream can end a moment before the engine records the exit code.
  for (let attempt = 0; ; attempt++) {
    const info = await engineCall(`exec inspect in ${options.label}`, () => exec.inspect());
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
      return { exitCode: info.ExitCode, stdout: stdout.text(), stderr: stderr.text() };
    }
    if (attempt >= 50) throw new RuntimeError('runtime.engine_error', `${options.label}: the engine reports no exit code for the exec`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs as the same user as the command it kills: containers have no capabilities, so root
 * could neither read another user's /proc/<pid>/environ nor signal its processes.
 */
async function killByMarker(container: Docker.Container, marker: string, user: string | undefined): Promise<void> {
  try {
    const killer = await container.exec({ Cmd: ['sh', '-c', KILL_BY_MARKER, 'kill', marker], ...(user ? { User: user } : {}), AttachStdout: true, AttachStderr: true });
    const stream = await killer.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      stream.on('end', () => (clearTimeout(timer), resolve()));
      stream.on('close', () => (clearTimeout(timer), resolve()));
      stream.on('error', () => (clearTimeout(timer), resolve()));
      stream.resume();
    });
  } catch {
    // best effort: the timeout error is what the caller needs to see
  }
}
