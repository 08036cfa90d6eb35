// Global teardown of the chaos tier: the table of faults (what happened, time to converge), then
// the chaos engine stops (the objects the tests made were removed by the tests themselves).
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { engineScript } from './chaos-setup.mjs';

export default async function chaosTeardown() {
  const file = process.env.ALLMENDE_CHAOS_RESULTS;
  if (file) {
    let rows = [];
    try {
      rows = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    } catch {
      // no fault got as far as recording
    }
    printTable(rows);
    rmSync(dirname(file), { recursive: true, force: true });
  }
  try {
    engineScript('stop');
  } catch (error) {
    process.stderr.write(`chaos teardown: ${error.message}\n`);
  }
}

function printTable(rows) {
  const header = ['fault', 'what happened', 'converged after'];
  const cells = rows.map((row) => [row.fault, row.happened, row.convergedMs === null ? 'did not converge' : `${(row.convergedMs / 1000).toFixed(1)} s`]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i].length)));
  const line = (cell) => `| ${cell.map((text, i) => text.padEnd(widths[i])).join(' | ')} |`;
  const out = [
    '',
    'Chaos tier: faults injected for real',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');
}
