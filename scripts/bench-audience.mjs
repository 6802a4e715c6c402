#!/usr/bin/env node
// npm run bench:audience [-- --contacts 1000000 --events-per-contact 10 --new-events 20000]
// Contacts and events generated with raw SQL in a fresh SQLite file (real migrations), then:
// three typical segments counted through Postcard beside a plain indexed SQLite query for the
// same rule (target < 300 ms each), incremental entry throughput while a segment_entered flow is
// live (events per second through the engine's ticks), and the next birthday occurrence stored
// for every contact (RSS before and after). The run is a child process, so its peak RSS is its
// own. The last line is one JSON object: segmentCounts, entryEventsPerSecond, peakRssMb.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const { register } = await import('tsx/esm/api');
  register();
  const bench = await import('../bench/audience/benchAudience.ts');
  const [, , , dir, contacts, perContact, newEvents] = process.argv;
  const result = await bench.runAudienceBench(dir, Number(contacts), Number(perContact), Number(newEvents));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
};
const contacts = option('contacts', 1_000_000);
const perContact = option('events-per-contact', 10);
const newEvents = option('new-events', 20_000);

const dir = mkdtempSync(join(tmpdir(), 'postcard-bench-audience-'));
try {
  const run = spawnSync(process.execPath, [self, '--child', dir, String(contacts), String(perContact), String(newEvents)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the benchmark failed: ${(run.stderr || run.stdout).slice(-2000)}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  for (const s of result.segmentCounts) {
    console.log(`${s.name}: ${s.matched} contacts, ${s.ms} ms (plain SQLite ${s.bareSqliteMs} ms)${s.ms < 300 ? '' : ' — over the 300 ms target'}`);
  }
  console.log(`entry: ${result.entry.events} events in ${result.entry.ms} ms (${result.entryEventsPerSecond}/s), ${result.entry.entered} entered; going live took ${result.entry.goLiveMs} ms`);
  console.log(`dates: ${result.dates.scheduled} occurrences in ${result.dates.ms} ms, RSS ${result.dates.rssBeforeMb} → ${result.dates.rssAfterMb} MB`);
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
