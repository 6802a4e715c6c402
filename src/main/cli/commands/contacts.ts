import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ContactsImportResult } from '../../../shared/api/engine';
import type { ContactTimeline } from '../../../shared/engine/types';
import { CliError, call, withPostcard } from '../context';

export function register(program: Command): void {
  const contacts = program.command('contacts').description('import contacts and look at what happened to one');

  contacts
    .command('import')
    .description('import or update contacts from a CSV (phone, time_zone, mms_capable, consent, consent_channel, consent_at, any attributes)')
    .argument('<file>', 'the CSV file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }, command: Command) => {
      const csv = await readText(file);
      await withPostcard(command, async (postcard) => {
        const result = await call<ContactsImportResult>(postcard, 'contacts.import', { csv });
        if (options.json) return void console.log(JSON.stringify(result));
        console.log(`Imported ${result.created} new and updated ${result.updated} contacts; ${result.skipped} rows skipped; ${result.consentRecords} consent records.`);
        for (const p of result.problems) console.error(`  line ${p.line}: ${p.message}`);
      });
    });

  contacts
    .command('timeline')
    .description("a contact's steps, messages, consent and events, oldest first")
    .argument('<phone>', 'the phone number')
    .option('--json', 'print JSON')
    .action(async (phone: string, options: { json?: boolean }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const timeline = await call<ContactTimeline>(postcard, 'contacts.timeline', { phone });
        if (options.json) return void console.log(JSON.stringify(timeline));
        console.log(`${timeline.contact.phone}  zone ${timeline.contact.timeZone ?? '-'}  MMS ${timeline.contact.mmsCapable}`);
        for (const e of timeline.entries) console.log(`  ${e.at}  ${describe(e)}`);
      });
    });
}

function describe(entry: ContactTimeline['entries'][number]): string {
  switch (entry.type) {
    case 'enrolled':
      return `entered flow ${entry.flowId} v${entry.version}`;
    case 'step':
      return `${entry.nodeIds.join(' → ')}: ${entry.note}`;
    case 'exited':
      return `left flow ${entry.flowId}: ${entry.reason}`;
    case 'message':
      return `${entry.channel.toUpperCase()} from ${entry.nodeId || 'reply'} ${entry.status}${entry.providerCode ? ` (${entry.providerCode})` : ''}${entry.detail ? `: ${entry.detail}` : ''}`;
    case 'consent':
      return `consent ${entry.kind} (${entry.channel}, ${entry.source}${entry.keyword ? `, ${entry.keyword}` : ''})`;
    case 'event':
      return `event ${entry.name}`;
  }
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
