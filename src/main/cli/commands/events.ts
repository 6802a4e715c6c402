import type { Command } from 'commander';
import type { EventsIngestResult } from '../../../shared/api/engine';
import { call, withPostcard } from '../context';
import { readText } from './contacts';

export function register(program: Command): void {
  const events = program.command('events').description('feed contact events (purchases, sign-ups…) to the engine');
  events
    .command('ingest')
    .description('ingest events from NDJSON: one {"phone","name","properties","occurred_at"} object per line')
    .argument('<file>', 'the .ndjson file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }, command: Command) => {
      const ndjson = await readText(file);
      await withPostcard(command, async (postcard) => {
        const result = await call<EventsIngestResult>(postcard, 'events.ingest', { ndjson });
        if (options.json) return void console.log(JSON.stringify(result));
        console.log(`Ingested ${result.ingested} events (${result.contactsCreated} new contacts); ${result.skipped} lines skipped.`);
        for (const p of result.problems) console.error(`  line ${p.line}: ${p.message}`);
      });
    });
}
