/**
 * Tracked links in message bodies: each http(s) link becomes https://<link domain>/l/<code>. The
 * short form is what the contact receives, so the preview and the segment counter count it, not
 * the long link the marketer typed.
 */

export const LINK_CODE_LENGTH = 10;
/** Shown in previews where no message (and so no code) exists yet; as long as a real code. */
export const PREVIEW_CODE = 'x'.repeat(LINK_CODE_LENGTH);

// A link runs to the next space; closing punctuation that usually ends a sentence is left out.
const LINK = /https?:\/\/[^\s<>"']+/gi;
const TRAILING = /[).,;:!?\]}]+$/;

export interface FoundLink {
  url: string;
  start: number;
  end: number;
}

export function findLinks(body: string): FoundLink[] {
  const links: FoundLink[] = [];
  for (const match of body.matchAll(LINK)) {
    const url = match[0].replace(TRAILING, '');
    const start = match.index;
    links.push({ url, start, end: start + url.length });
  }
  return links;
}

/** Replace every link with what `shorten` returns for it (index = its place in the body). */
export function rewriteLinks(body: string, shorten: (url: string, index: number) => string): string {
  let out = '';
  let at = 0;
  findLinks(body).forEach((link, index) => {
    out += body.slice(at, link.start) + shorten(link.url, index);
    at = link.end;
  });
  return out + body.slice(at);
}

export interface Utm {
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  /** The node (utm_content) and split variant (utm_term) that sent the link. */
  utmContent?: string;
  utmTerm?: string;
}

/** The destination with UTM parameters added; ones the marketer already wrote are kept. */
export function withUtm(url: string, utm: Utm): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const pairs: Array<[string, string | undefined]> = [
    ['utm_source', utm.utmSource],
    ['utm_medium', utm.utmMedium],
    ['utm_campaign', utm.utmCampaign],
    ['utm_content', utm.utmContent],
    ['utm_term', utm.utmTerm],
  ];
  for (const [name, value] of pairs) {
    if (value && value.trim() && !parsed.searchParams.has(name)) parsed.searchParams.set(name, value.trim());
  }
  return parsed.toString();
}

export const shortLink = (domain: string, code: string): string => `https://${domain}/l/${code}`;

/** The body as a contact would receive it, with a placeholder code of the real length. */
export function previewShortened(body: string, domain: string): string {
  return rewriteLinks(body, () => shortLink(domain, PREVIEW_CODE));
}

/** A bare host name such as `go.example.com` (no scheme, path or port). */
export const LINK_DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
export const DEFAULT_LINK_DOMAIN = 'pcrd.link';

/**
 * User agents of link-preview fetchers: iMessage (which presents itself as Facebook's and
 * Twitter's crawlers), Android Messages, WhatsApp, Slack, Facebook, Twitter/X, Telegram, Discord,
 * LinkedIn, Skype and generic bots. Their fetches are recorded but are not clicks.
 */
const PREVIEW_AGENTS =
  /facebookexternalhit|facebot|twitterbot|slackbot|slack-imgproxy|whatsapp|telegrambot|discordbot|linkedinbot|skypeuripreview|google-pagerenderer|googlemessages|applebot|embedly|pinterest|redditbot|iframely|bot\b|crawler|spider|preview/i;

export function isPreviewFetcher(userAgent: string | null | undefined): boolean {
  return !!userAgent && PREVIEW_AGENTS.test(userAgent);
}
