import { spawn } from 'node:child_process';

/**
 * Watches the host's process list: a child process reads every /proc/<pid>/cmdline in a
 * tight loop and remembers each distinct command line it saw. On this machine the engine
 * runs locally, so container processes (docker exec included) are in the host's /proc,
 * exactly where another local user would look with `ps`.
 *
 * The sampler is given nothing to look for: the caller checks the result afterwards, so no
 * secret ever reaches the sampler's own command line.
 */
const SAMPLER = `
const { readdirSync, readFileSync } = require('node:fs');
const seen = new Set();
let sweeps = 0;
let running = true;
function sweep() {
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let text;
    try { text = readFileSync('/proc/' + entry + '/cmdline'); } catch { continue; }
    if (text.length) seen.add(text.toString('utf8').replace(/\\0+$/, '').split('\\0').join(' '));
  }
  sweeps++;
  if (running) setImmediate(sweep);
}
process.stdin.on('data', () => {
  running = false;
  process.stdout.write(JSON.stringify({ sweeps, commandLines: [...seen] }), () => process.exit(0));
});
process.stdin.resume();
process.stdout.write('ready\\n');
sweep();
`;

export interface ProcessListSample {
  /** How many times the whole process list was read. */
  sweeps: number;
  /** Every distinct command line (arguments joined by spaces). */
  commandLines: string[];
}

export interface ProcessListSampler {
  stop(): Promise<ProcessListSample>;
}

/** Starts sampling; resolves once the first sweep is under way. */
export async function sampleProcessList(): Promise<ProcessListSampler> {
  const child = spawn(process.execPath, ['-e', SAMPLER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      if (output.startsWith('ready\n')) {
        output = output.slice('ready\n'.length);
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`process sampler exited early with ${code}`)));
  });
  return {
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdout.on('data', (chunk: string) => (output += chunk));
      child.stdin.end('stop\n');
      await exited;
      return JSON.parse(output) as ProcessListSample;
    },
  };
}
