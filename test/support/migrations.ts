import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A copy of the app's migrations without `firstMissing` and everything after it, in `folder`:
 * open a database with it to get one as an older Postcard left it, then open that database with
 * the real migrations to test the upgrade.
 */
export function migrationsBefore(firstMissing: number, folder: string): string {
  cpSync(join(import.meta.dirname, '..', '..', 'drizzle'), folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
  for (const entry of journal.entries.filter((e) => e.idx >= firstMissing)) rmSync(join(folder, `${entry.tag}.sql`));
  journal.entries = journal.entries.filter((e) => e.idx < firstMissing);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}
