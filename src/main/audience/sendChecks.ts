import type Database from 'better-sqlite3';

/**
 * What the preference center adds to the send-time rules: a contact who paused marketing is not
 * sent it until the pause ends, and one unsubscribed from the flow's category is not sent that
 * category. Read at the instant of sending, like channel consent, from the same ledger.
 */
const statements = new WeakMap<Database.Database, { paused: Database.Statement; category: Database.Statement; isDefault: Database.Statement }>();

function prepared(sqlite: Database.Database) {
  let s = statements.get(sqlite);
  if (!s) {
    s = {
      paused: sqlite.prepare('SELECT paused_until FROM contacts WHERE id = ?').pluck(),
      category: sqlite
        .prepare(
          `SELECT kind FROM consent_events WHERE contact_id = ? AND kind IN ('subscribe', 'unsubscribe') AND category = ? AND occurred_at <= ?
           ORDER BY occurred_at DESC, id DESC LIMIT 1`,
        )
        .pluck(),
      isDefault: sqlite.prepare('SELECT is_default_subscribed FROM subscription_categories WHERE id = ? AND archived_at IS NULL').pluck(),
    };
    statements.set(sqlite, s);
  }
  return s;
}

/** Why a marketing send must not go out now ('paused', 'unsubscribed_category'), or null. */
export function preferenceRefusal(sqlite: Database.Database, contactId: number, category: string | null, now: number): string | null {
  const s = prepared(sqlite);
  const pausedUntil = s.paused.get(contactId) as number | null | undefined;
  if (typeof pausedUntil === 'number' && pausedUntil > now) return 'paused';
  if (category) {
    const kind = s.category.get(contactId, category, now) as string | undefined;
    // An archived or unknown category counts as not subscribed: nobody can have agreed to it.
    const isSubscribed = kind ? kind === 'subscribe' : s.isDefault.get(category) === 1;
    if (!isSubscribed) return 'unsubscribed_category';
  }
  return null;
}
