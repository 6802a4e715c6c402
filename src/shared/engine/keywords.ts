/**
 * Inbound keywords (CTIA / TCPA practice): any of these, alone in a message, in any case and
 * with surrounding spaces, revokes or restores consent or asks for help.
 */
export const optOutKeywords = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const optInKeywords = ['START', 'UNSTOP'] as const;
export const helpKeywords = ['HELP', 'INFO'] as const;

export type InboundIntent = 'opt_out' | 'opt_in' | 'help' | 'other';

const optOut: ReadonlySet<string> = new Set(optOutKeywords);
const optIn: ReadonlySet<string> = new Set(optInKeywords);
const help: ReadonlySet<string> = new Set(helpKeywords);

export function normalizeKeyword(body: string): string {
  return body.trim().toUpperCase();
}

export function classifyInbound(body: string): InboundIntent {
  const word = normalizeKeyword(body);
  if (optOut.has(word)) return 'opt_out';
  if (optIn.has(word)) return 'opt_in';
  if (help.has(word)) return 'help';
  return 'other';
}
