import type Database from 'better-sqlite3';
import type { BulkAction, BulkResult, BulkTarget } from '../../shared/api/audience';
import { PostcardError } from '../../shared/api/result';
import { contactFilterSql } from '../contacts/search';
import { exitEnrollment } from '../engine/store';
import { writeInChunks } from '../services/chunks';
import { LedgerWriter } from './preferences';

/**
 * Bulk actions from the Contacts page: subscribe to or leave a category, opt out, delete — on
 * the ticked contacts or on everyone the list's search and segment match (the list's own
 * condition, search.ts). Every contact changed gets a ledger record with source `agent` and the
 * reason, written by the preference center's own writer. Written in chunks (chunks.ts) so the
 * engine gets its turn; a chunk is whole or not at all.
 *
 * A delete ends the contact's enrollments (so live counts stay right) and removes the contact;
 * its ledger records stay with the number (migration 0013's triggers) and return to a contact
 * imported again with that number.
 */
export async function bulkChange(
  sqlite: Database.Database,
  input: { target: BulkTarget; action: BulkAction; reason: string; isConfirmed: boolean },
  now: number,
  onChanged: (flowIds: string[]) => void = () => {},
): Promise<BulkResult> {
  const { action, reason } = input;
  if (action.type === 'opt_out' && reason === '') throw new PostcardError('INVALID_INPUT', 'an opt-out needs a reason (it is kept in each contact’s consent history)');
  const writer = new LedgerWriter(sqlite, now);
  if (action.type === 'subscribe' || action.type === 'unsubscribe') writer.requireCategory(action.category);
  const ids = targetIds(sqlite, input.target, now);
  if (!input.isConfirmed) return { matched: ids.length, changed: 0 };

  const activeEnrollments = sqlite.prepare(`SELECT id, flow_id, node_id FROM enrollments WHERE contact_id = ? AND state != 'exited'`);
  const remove = sqlite.prepare('DELETE FROM contacts WHERE id = ?');
  let changed = 0;
  let stored = 0;
  try {
    await writeInChunks(
      sqlite,
      ids,
      (contactId) => {
        switch (action.type) {
          case 'subscribe':
          case 'unsubscribe':
            writer.apply(contactId, { type: 'category', category: action.category, state: action.type === 'subscribe' ? 'subscribed' : 'unsubscribed' }, 'agent', reason);
            break;
          case 'opt_out':
            writer.apply(contactId, { type: 'channel', channel: action.channel, state: 'opted_out' }, 'agent', reason);
            break;
          case 'delete': {
            writer.note(contactId, 'contact_deleted', 'agent', reason);
            for (const enrollment of activeEnrollments.all(contactId) as Array<{ id: number; flow_id: string; node_id: string }>) {
              exitEnrollment(writer.engineStatements(), writer.counters, enrollment, 'contact_deleted', now);
            }
            remove.run(contactId);
            break;
          }
        }
        changed++;
      },
      {
        lineOf: (index) => index + 1,
        beforeCommit: () => writer.flush(),
        afterCommit: () => {
          stored = changed;
        },
        describeStored: () => `${stored.toLocaleString('en-US')} contacts changed`,
        advice: 'run the action again for the rest',
      },
    );
  } finally {
    onChanged([...writer.counters.touchedFlows]);
  }
  return { matched: ids.length, changed };
}

/** The ids a target names that are contacts now. */
function targetIds(sqlite: Database.Database, target: BulkTarget, now: number): number[] {
  if (target.type === 'contacts') {
    return sqlite.prepare('SELECT c.id FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id').pluck().all(JSON.stringify(target.contactIds)) as number[];
  }
  const { sql, params } = contactFilterSql(sqlite, { query: target.query, segmentId: target.segmentId }, now);
  return sqlite.prepare(`SELECT c.id FROM contacts c WHERE ${sql} ORDER BY c.id`).pluck().all(...params) as number[];
}
