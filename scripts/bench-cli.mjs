#!/usr/bin/env node
// `npm run bench:cli`: how long `postcard` takes to answer, beside how long Node takes to start
// at all (`node -e 0`), measured in the same run, alternating, because a shared machine is noisy.
// Builds the CLI first when its build is missing or stale. Commands: `--help`, the same through
// `npx postcard --help` (what the README and scripts type: npm's own start-up on top), `sms segments`
// (no database), `flows list` (opens SQLite and runs the migrations on a fresh data dir), and
// `--help` run from the TypeScript sources through tsx, which is what every start cost before
// the build. Prints progress on stderr and, as its last line, one JSON object.
// A benchmark, not a test: it prints the figures and the target, and never fails on them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'postcard.mjs');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const log = (message) => process.stderr.write(`[bench:cli] ${message}\n`);

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`the CLI build failed:\n${build.stderr}`);

const dataDir = mkdtempSync(join(tmpdir(), 'postcard-bench-cli-'));
const cases = {
  nodeBaseline: { args: ['-e', '0'] },
  help: { args: [bin, '--help'] },
  // --no: never fetch a package from the registry if the local bin is not found.
  npxHelp: { command: 'npx', args: ['--no', 'postcard', '--help'] },
  smsSegments: { args: [bin, 'sms', 'segments', 'Hi {{ first_name }}, 20% off today ✓', '--json'] },
  flowsList: { args: [bin, '--data-dir', dataDir, 'flows', 'list', '--json'] },
  helpFromSource: { args: [bin, '--help'], env: { POSTCARD_FROM_SOURCE: '1' } },
};

function time({ command = process.execPath, args, env }) {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, shell: command === 'npx' && process.platform === 'win32' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed:\n${run.stderr}`);
  return ms;
}

const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
try {
  // One untimed round warms the file cache and creates the data dir's database.
  for (const spec of Object.values(cases)) time(spec);
  for (let round = 0; round < runs; round += 1) {
    for (const [name, spec] of Object.entries(cases)) {
      if (name === 'helpFromSource' && round % 3 !== 0) continue; // slow; a third of the rounds suffice
      times[name].push(time(spec));
    }
    if ((round + 1) % 5 === 0) log(`${round + 1}/${runs} rounds`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round1 = (value) => Math.round(value * 10) / 10;
const helpMs = round1(median(times.help));
const nodeBaselineMs = round1(median(times.nodeBaseline));
console.log(
  JSON.stringify({
    helpMs,
    nodeBaselineMs,
    helpOverNodeMs: round1(helpMs - nodeBaselineMs),
    npxHelpMs: round1(median(times.npxHelp)),
    smsSegmentsMs: round1(median(times.smsSegments)),
    flowsListMs: round1(median(times.flowsList)),
    helpFromSourceMs: round1(median(times.helpFromSource)),
    runs,
    targets: { helpUnder200ms: helpMs < 200, npxHelpUnder200ms: median(times.npxHelp) < 200 },
    machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg().map((value) => Math.round(value * 100) / 100) },
  }),
);
