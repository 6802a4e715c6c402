import { createHmac, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LINK_CODE_LENGTH, rewriteLinks, shortLink, withUtm, type Utm } from '../../shared/analytics/links';
import { isPreviewFetcher } from '../../shared/analytics/links';
import { markDirty } from './derive';

/**
 * Link codes: base62 of an HMAC-SHA256, keyed with this install's secret, over the message's
 * idempotency key and the link's place in the body. Ten characters hold about 59 bits, so codes
 * cannot be guessed or walked; the same message always gets the same codes, so a step redone after
 * a crash writes the same body and the same rows.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_KEY = 'links.secret';

/** The install's link secret, made on first use; it never leaves the Node side. */
export function linkSecret(sqlite: Database.Database): Buffer {
  const existing = sqlite.prepare('SELECT value_json FROM analytics_settings WHERE key = ?').pluck().get(SECRET_KEY) as string | undefined;
  if (existing) return Buffer.from(JSON.parse(existing) as string, 'base64');
  const secret = randomBytes(32);
  sqlite.prepare('INSERT OR IGNORE INTO analytics_settings (key, value_json) VALUES (?, ?)').run(SECRET_KEY, JSON.stringify(secret.toString('base64')));
  // Another process may have won the race: read back what is stored.
  return Buffer.from(JSON.parse(sqlite.prepare('SELECT value_json FROM analytics_settings WHERE key = ?').pluck().get(SECRET_KEY) as string) as string, 'base64');
}

export function linkCode(secret: Buffer, idempotencyKey: string, index: number): string {
  const digest = createHmac('sha256', secret).update(`${idempotencyKey}\u0000${index}`).digest();
  let value = digest.readBigUInt64BE(0);
  let code = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) {
    code += ALPHABET[Number(value % 62n)];
    value /= 62n;
  }
  return code;
}

export interface TrackLinksInput {
  secret: Buffer;
  domain: string;
  idempotencyKey: string;
  contactId: number;
  flowId: string | null;
  nodeId: string | null;
  utm: Utm;
  now: number;
}

/** The body with every link replaced by its tracked short link; the codes are stored (idempotently). */
export function trackLinks(sqlite: Database.Database, input: TrackLinksInput, body: string): string {
  const insert = sqlite.prepare(
    'INSERT OR IGNORE INTO link_codes (code, idempotency_key, contact_id, flow_id, node_id, destination, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  return rewriteLinks(body, (url, index) => {
    const code = linkCode(input.secret, input.idempotencyKey, index);
    insert.run(code, input.idempotencyKey, input.contactId, input.flowId, input.nodeId, withUtm(url, input.utm), input.now);
    return shortLink(input.domain, code);
  });
}

export interface ClickInput {
  code: string | null;
  messageId: number | null;
  contactId: number;
  flowId: string | null;
  nodeId: string | null;
  userAgent: string | null;
  at: number;
}

/** Record a click (or a preview fetch) and mark its bucket for the aggregates, in one transaction. */
export function recordClick(sqlite: Database.Database, click: ClickInput): { isBot: boolean; isUnique: boolean } {
  return sqlite.transaction(() => {
    const isBot = isPreviewFetcher(click.userAgent);
    const isUnique =
      !isBot &&
      (click.messageId === null
        ? sqlite.prepare('SELECT 1 FROM clicks WHERE code = ? AND is_bot = 0 LIMIT 1').get(click.code) === undefined
        : sqlite.prepare('SELECT 1 FROM clicks WHERE message_id = ? AND is_bot = 0 LIMIT 1').get(click.messageId) === undefined);
    sqlite
      .prepare(
        'INSERT INTO clicks (code, message_id, contact_id, flow_id, node_id, occurred_at, user_agent, is_bot, is_unique) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(click.code, click.messageId, click.contactId, click.flowId, click.nodeId, click.at, click.userAgent?.slice(0, 500) ?? null, isBot ? 1 : 0, isUnique ? 1 : 0);
    markDirty(sqlite, 'engagement', click.flowId, click.at);
    // A person's click can put the contact in a "clicked" segment: the segment triggers look again
    // at contacts updated since their last look (src/main/engine/runtime/audienceTriggers.ts).
    if (!isBot) sqlite.prepare('UPDATE contacts SET updated_at = max(updated_at, ?) WHERE id = ?').run(click.at, click.contactId);
    return { isBot, isUnique };
  })();
}

export interface ResolvedLink {
  destination: string;
  click: Omit<ClickInput, 'userAgent' | 'at'>;
}

export function resolveLink(sqlite: Database.Database, code: string): ResolvedLink | null {
  const row = sqlite
    .prepare(
      `SELECT l.code, l.destination, l.contact_id, l.flow_id, l.node_id, m.id AS message_id
       FROM link_codes l LEFT JOIN messages m ON m.idempotency_key = l.idempotency_key WHERE l.code = ?`,
    )
    .get(code) as { code: string; destination: string; contact_id: number; flow_id: string | null; node_id: string | null; message_id: number | null } | undefined;
  if (!row) return null;
  return {
    destination: row.destination,
    click: { code: row.code, messageId: row.message_id, contactId: row.contact_id, flowId: row.flow_id, nodeId: row.node_id },
  };
}
