import { z } from 'zod';
import { helpKeywords, optInKeywords, optOutKeywords } from '../engine/keywords';

/**
 * Workspace settings (Settings → Workspace): the brand name compliance checks look for, the time
 * zone for contacts without one, and the workspace's own inbound keywords beside the built-in
 * STOP / START / HELP words.
 */

/** What a workspace keyword does: the built-in meanings under another word, or a pause. */
export const keywordActions = ['opt_out', 'opt_in', 'help', 'pause'] as const;
export const KeywordAction = z.enum(keywordActions);
export type KeywordAction = z.infer<typeof KeywordAction>;

export const MAX_PAUSE_DAYS = 365;
/** Placeholders a pause confirmation may use: the number of days and the date it ends (contact's zone). */
export const PAUSE_REPLY_DEFAULT = 'You will get no marketing texts from us for {days} days, until {date}. Reply START to resume sooner.';

export const WorkspaceKeyword = z
  .object({
    /** One word, letters and digits (what the contact texts; matched in any case, spaces around ignored). */
    word: z
      .string()
      .trim()
      .min(1, 'a keyword needs a word')
      .max(20, 'a keyword is at most 20 characters')
      .regex(/^[A-Za-z0-9]+$/, 'a keyword is one word of letters and digits')
      .transform((word) => word.toUpperCase()),
    action: KeywordAction,
    /** For pause: the days when the contact gives no number ("PAUSE" alone); "PAUSE 3" pauses 3 days. */
    pauseDays: z.number().int().min(1).max(MAX_PAUSE_DAYS).default(30),
    /** Sent back at once (no quiet hours, no cap); blank sends nothing. HELP words answer with the flow's HELP text instead. */
    reply: z.string().max(320).default(''),
  })
  .strict();
export type WorkspaceKeyword = z.infer<typeof WorkspaceKeyword>;

const builtIn: ReadonlyMap<string, KeywordAction> = new Map([
  ...optOutKeywords.map((w) => [w, 'opt_out'] as const),
  ...optInKeywords.map((w) => [w, 'opt_in'] as const),
  ...helpKeywords.map((w) => [w, 'help'] as const),
]);

export const WorkspaceSettings = z
  .object({
    brandName: z.string().trim().max(60, 'the brand name is at most 60 characters'),
    /** IANA zone for contacts whose own zone is unknown (scheduled enrollments, pause dates). */
    defaultTimeZone: z.string().min(1).max(64),
    keywords: z.array(WorkspaceKeyword).max(50, 'at most 50 keywords'),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.keywords.forEach((keyword, index) => {
      if (seen.has(keyword.word)) ctx.addIssue({ code: 'custom', path: ['keywords', index, 'word'], message: `${keyword.word} is listed twice` });
      seen.add(keyword.word);
      if (builtIn.has(keyword.word)) {
        ctx.addIssue({ code: 'custom', path: ['keywords', index, 'word'], message: `${keyword.word} is a built-in keyword (${builtIn.get(keyword.word)?.replace('_', '-')}) and cannot be changed` });
      }
    });
    if (!isTimeZone(settings.defaultTimeZone)) ctx.addIssue({ code: 'custom', path: ['defaultTimeZone'], message: `"${settings.defaultTimeZone}" is not a time zone (e.g. America/New_York)` });
  });
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;

export const defaultWorkspaceSettings = (): WorkspaceSettings => ({ brandName: '', defaultTimeZone: 'America/New_York', keywords: [] });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What an inbound text means: a built-in keyword, a workspace keyword (with a pause's days), or nothing. */
export type KeywordMatch =
  | { action: 'opt_out' | 'opt_in' | 'help'; word: string; keyword: WorkspaceKeyword | null }
  | { action: 'pause'; word: string; days: number; keyword: WorkspaceKeyword };

/**
 * The keyword an inbound body is, if any: the whole text is the word (any case, spaces around),
 * and a pause word may be followed by a number of days ("PAUSE 3", "pause 3 days").
 */
export function matchKeyword(body: string, keywords: readonly WorkspaceKeyword[]): KeywordMatch | null {
  const text = body.trim().toUpperCase().replace(/\s+/g, ' ');
  const builtInAction = builtIn.get(text);
  if (builtInAction) return { action: builtInAction as 'opt_out' | 'opt_in' | 'help', word: text, keyword: null };
  const [word = '', ...rest] = text.split(' ');
  const keyword = keywords.find((k) => k.word === word);
  if (!keyword) return null;
  if (keyword.action !== 'pause') return rest.length === 0 ? { action: keyword.action, word, keyword } : null;
  if (rest.length === 0) return { action: 'pause', word, days: keyword.pauseDays, keyword };
  const days = /^(\d{1,3})( DAYS?)?$/.exec(rest.join(' '));
  if (!days) return null;
  return { action: 'pause', word, days: Math.min(MAX_PAUSE_DAYS, Math.max(1, Number(days[1]))), keyword };
}
