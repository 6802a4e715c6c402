#!/usr/bin/env node
// npm run bench:analytics [-- SCALE]
// A store of 10,000,000 messages, 2,000,000 clicks and 500,000 conversions over 90 days (times
// SCALE, default 1), then the analytics views of a flow, of its A/B split and of the workspace,
// each beside a bare indexed SQLite aggregate of the same numbers on the same file. Two processes:
// one generates (raw SQL, then the derivation), one measures, so peakRssMb is the measuring
// process's own. The last line is one JSON object: { queries: [{ name, ms, bareSqliteMs }], peakRssMb, … }.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const { register } = await import('tsx/esm/api');
  register();
  const bench = await import('../bench/analytics/benchRun.ts');
  const [, , , mode, dir, arg] = process.argv;
  const result = mode === 'generate' ? bench.generate(dir, Number(arg)) : { queries: bench.measure(dir) };
  result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function child(mode, dir, arg) {
  const run = spawnSync(process.execPath, [self, '--child', mode, dir, String(arg)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${mode} failed: ${(run.stderr || run.stdout).slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

const scale = Number(process.argv[2] ?? process.env.BENCH_SCALE ?? 1);
if (!(scale > 0 && scale <= 1)) throw new Error('SCALE must be in (0, 1]');
const dir = mkdtempSync(join(tmpdir(), 'postcard-bench-analytics-'));
try {
  const generated = child('generate', dir, scale);
  process.stderr.write(`generated ${JSON.stringify(generated)}\n`);
  const measured = child('measure', dir, scale);
  const queries = measured.queries.map(({ name, ms, bareSqliteMs }) => ({ name, ms, bareSqliteMs }));
  for (const q of measured.queries) process.stderr.write(`${q.name}: ${q.ms} ms (bare ${q.bareSqliteMs} ms) ${JSON.stringify(q.check)}\n`);
  process.stdout.write(
    `${JSON.stringify({
      scale,
      messages: generated.messages,
      clicks: generated.clicks,
      conversions: generated.conversions,
      splitAssignments: generated.assignments,
      generateSeconds: Math.round(generated.generateSeconds),
      deriveSeconds: Math.round(generated.deriveSeconds),
      queries,
      targetMs: 300,
      isTargetMet: queries.every((q) => q.ms < 300),
      peakRssMb: measured.peakRssMb,
      generatorPeakRssMb: generated.peakRssMb,
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
