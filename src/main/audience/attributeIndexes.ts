import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { attributePathLiteral, attributeValueSql } from '../../shared/audience/compile';
import { AttributeType } from '../../shared/audience/segment';

/**
 * One expression index per declared contact attribute (text, number and date; a list is read
 * element by element), on the very expression compile.ts compares for that type. A rule such as
 * "tier is VIP" then reads the index instead of parsing a million contacts' JSON, and a
 * combination ("VIPs in Florida") starts from the few it finds there.
 *
 * An index is named after a hash of its expression, so a changed type (or a changed expression
 * in a later Postcard) builds the new one and drops the old; an attribute no longer declared
 * loses its index. Called when the database opens, when an attribute is declared, and after an
 * import declares new columns; with nothing to change it is two small reads.
 */
const PREFIX = 'contacts_attribute_';

export function syncAttributeIndexes(sqlite: Database.Database): { created: number; dropped: number } {
  const wanted = new Map<string, string>();
  for (const row of sqlite.prepare('SELECT name, type FROM contact_attributes').all() as Array<{ name: string; type: string }>) {
    const type = AttributeType.safeParse(row.type).data ?? 'text';
    const literal = attributePathLiteral(row.name);
    if (type === 'list' || literal === null) continue;
    const expression = attributeValueSql(type, 'attributes_json', () => literal);
    const name = `${PREFIX}${createHash('sha256').update(expression).digest('hex').slice(0, 16)}`;
    wanted.set(name, `CREATE INDEX IF NOT EXISTS "${name}" ON contacts (${expression})`);
  }
  const existing = sqlite
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND name GLOB '${PREFIX}*'`)
    .pluck()
    .all() as string[];
  const stale = existing.filter((name) => !wanted.has(name));
  const missing = [...wanted].filter(([name]) => !existing.includes(name));
  if (stale.length === 0 && missing.length === 0) return { created: 0, dropped: 0 };
  sqlite.transaction(() => {
    for (const name of stale) sqlite.exec(`DROP INDEX "${name}"`);
    for (const [, sql] of missing) sqlite.exec(sql);
  })();
  return { created: missing.length, dropped: stale.length };
}
