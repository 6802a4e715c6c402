import type Database from 'better-sqlite3';
import { PostcardError } from '../../shared/api/result';
import { defaultWorkspaceSettings, WorkspaceSettings } from '../../shared/audience/workspace';

/**
 * The workspace settings in workspace_settings, one row per key. Read where they apply (each
 * inbound keyword, each publish review), so a change in Settings reaches the scheduler thread
 * without a restart; a key never saved reads as its default.
 */
const KEYS = ['brandName', 'defaultTimeZone', 'keywords'] as const satisfies ReadonlyArray<keyof WorkspaceSettings>;

export function readWorkspaceSettings(sqlite: Database.Database): WorkspaceSettings {
  const settings: Record<string, unknown> = { ...defaultWorkspaceSettings() };
  for (const row of sqlite.prepare('SELECT key, value_json FROM workspace_settings').all() as Array<{ key: string; value_json: string }>) {
    if ((KEYS as readonly string[]).includes(row.key)) settings[row.key] = JSON.parse(row.value_json) as unknown;
  }
  // A row written by a later version that this one cannot read falls back to the defaults, not a crash.
  const parsed = WorkspaceSettings.safeParse(settings);
  return parsed.success ? parsed.data : defaultWorkspaceSettings();
}

/** Replaces the settings as a whole, in one transaction; refused with the first problem named. */
export function saveWorkspaceSettings(sqlite: Database.Database, input: unknown, now: number): WorkspaceSettings {
  const parsed = WorkspaceSettings.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PostcardError('INVALID_INPUT', issue ? issue.message : 'the workspace settings are not valid');
  }
  const upsert = sqlite.prepare(
    'INSERT INTO workspace_settings (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at',
  );
  sqlite.transaction(() => {
    for (const key of KEYS) upsert.run(key, JSON.stringify(parsed.data[key]), now);
  })();
  return parsed.data;
}
