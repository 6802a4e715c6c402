#!/usr/bin/env node
// npm run bench:engine [-- 100000 1000000]
// Contacts through a 6-node flow (trigger → wait → branch → MMS → fallback SMS → exit) in
// virtual time, every bit of state in a SQLite file, with the simulator provider. Each size runs
// in its own process so peak RSS is measured per size. Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const { register } = await import('tsx/esm/api');
  register();
  const { runBench } = await import('../src/main/engine/benchRun.ts');
  const result = await runBench(Number(process.argv[3]), process.argv[4]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const runs = [];
for (const contacts of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
  const dir = mkdtempSync(join(tmpdir(), 'postcard-bench-engine-'));
  try {
    const child = spawnSync(process.execPath, ['--max-old-space-size=1024', self, '--child', String(contacts), dir], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (child.status !== 0) {
      runs.push({ contacts, error: (child.stderr || child.stdout).slice(-2000) });
      continue;
    }
    runs.push(JSON.parse(child.stdout.trim().split('\n').pop()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const targets = { maxWallSecondsAt1M: 60, minRatioOfRaw: 0.4, maxPeakRssMb: 500 };
console.log(JSON.stringify({ benchmark: 'engine', node: process.version, cpus: (await import('node:os')).cpus().length, targets, runs }, null, 2));
