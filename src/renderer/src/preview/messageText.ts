import { previewShortened } from '../../../shared/analytics/links';
import { renderTemplate } from '../../../shared/template';
import type { SampleContact } from './sampleContacts';

/** A body as the contact receives it, rendered by the engine's own Liquid setup. */
export type RenderedText = { ok: true; text: string } | { ok: false; message: string };

/**
 * With `linkDomain` (the flow tracks clicks), every link in the rendered text becomes a short link
 * on that domain with a code of the real length, as the engine rewrites the rendered body.
 */
export function renderForContact(source: string, contact: SampleContact, linkDomain: string | null = null): RenderedText {
  try {
    // The engine's scope: the contact's attributes plus its phone.
    const text = renderTemplate(source, { ...contact.attributes, phone: contact.phone });
    return { ok: true, text: linkDomain ? previewShortened(text, linkDomain) : text };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) };
  }
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Phones linkify web addresses with a scheme, "www." ones, and bare domains with a path.
const LINK_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\/[^\s<>"'`]*/gi;
const TRAILING_PUNCTUATION = /[.,!?;:)\]}'"…]+$/;

/**
 * Splits text into plain runs and links, for rendering as React elements (never as HTML). Only
 * http(s) targets are produced; trailing punctuation stays outside the link, as on a phone.
 */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK_PATTERN)) {
    const raw = match[0];
    const trimmed = raw.replace(TRAILING_PUNCTUATION, '');
    if (!trimmed) continue;
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    const href = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
    parts.push({ kind: 'link', text: trimmed, href });
    last = start + trimmed.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
