import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { PostcardDb } from '../db/open';
import { appMeta } from '../db/schema';
import type { FlowService } from './flows';

const seededKey = (file: string): string => `sample-seeded:${file}`;

/**
 * Imports each sample in `resources/flows/*.json` the first time this database sees it, and
 * remembers that in app_meta, so a sample the user deleted does not come back. A broken sample
 * file is reported and skipped: it must never stop Postcard from opening.
 */
export function seedSamples(options: {
  db: PostcardDb;
  flows: FlowService;
  samplesDir: string;
  warn?: (message: string) => void;
}): string[] {
  const warn = options.warn ?? ((message) => console.warn(`[postcard] ${message}`));
  let files: string[];
  try {
    files = readdirSync(options.samplesDir).filter((file) => file.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const imported: string[] = [];
  for (const file of files) {
    const key = seededKey(file);
    if (options.db.select().from(appMeta).where(eq(appMeta.key, key)).get()) continue;
    const record = (): void => {
      options.db.insert(appMeta).values({ key, value: new Date().toISOString() }).onConflictDoNothing().run();
    };
    try {
      const document: unknown = JSON.parse(readFileSync(join(options.samplesDir, file), 'utf8'));
      // The flow and the note that it was seeded commit together: a crash in between cannot
      // leave a sample that is imported again on the next start.
      const flow = options.db.transaction(() => {
        const imported = options.flows.import(document);
        record();
        return imported;
      });
      imported.push(flow.id);
    } catch (error) {
      warn(`sample flow ${file} was not imported: ${error instanceof Error ? error.message : String(error)}`);
      // Recorded even when the file is broken: retrying it on every start would only repeat the warning.
      record();
    }
  }
  return imported;
}
