import { Liquid } from 'liquidjs';

/**
 * Message bodies are Liquid templates ({{ first_name | default: "there" }}). One engine
 * instance, configured once, is shared by validation, the handset preview and the journey
 * engine so a body renders the same everywhere.
 *
 * A short template can loop: `{% for i in (1..100000) %}…{% endfor %}` is 39 characters and
 * renders a message that costs dollars per contact, or freezes the thread for minutes. So
 * rendering is bounded (liquidjs's DoS limits): a body or subject is parsed only up to
 * PARSE_LIMIT characters; MEMORY_LIMIT caps what loops and list filters allocate (a range
 * `(1..n)` counts n, `split` counts its parts…), which bounds the iterations of all loops of a
 * render together; RENDER_LIMIT_MS caps the time of one render as a last resort (it is checked
 * between template nodes). A render that hits one throws like a template error; the rendered
 * text is then checked against the send limit (MAX_MESSAGE_BODY_CHARS, sms/segments.ts).
 */
export const TEMPLATE_PARSE_LIMIT = 20_000;
export const TEMPLATE_MEMORY_LIMIT = 10_000;
export const TEMPLATE_RENDER_LIMIT_MS = 250;

const liquid = new Liquid({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  // Templates come from marketers, not code: keep them away from includes and the file system.
  relativeReference: false,
  cache: 200,
  parseLimit: TEMPLATE_PARSE_LIMIT,
  memoryLimit: TEMPLATE_MEMORY_LIMIT,
  renderLimit: TEMPLATE_RENDER_LIMIT_MS,
});

/** Whether a render failed on one of the limits above (as opposed to a template or data error). */
export function isTemplateLimitError(error: unknown): boolean {
  return error instanceof Error && /\b(memory alloc|template render|parse length) limit exceeded\b/.test(error.message);
}

export type TemplateAnalysis =
  | { isValid: true; variables: string[] }
  | { isValid: false; message: string };

export function analyzeTemplate(source: string): TemplateAnalysis {
  try {
    const templates = liquid.parse(source);
    const variables = liquid.globalVariablesSync(templates);
    return { isValid: true, variables: [...new Set(variables)].sort() };
  } catch (error) {
    return { isValid: false, message: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error) };
  }
}

export type TemplateScope = Record<string, unknown>;

/**
 * Parsed templates by source. A journey renders the same few bodies for every contact, and
 * parsing was most of the cost of a render; bounded so a stream of one-off previews cannot grow it.
 */
const parsedTemplates = new Map<string, ReturnType<typeof liquid.parse>>();
const MAX_PARSED_TEMPLATES = 500;

/** Render a body for one contact. Throws when the template does not parse (validation blocks that earlier). */
export function renderTemplate(source: string, scope: TemplateScope): string {
  let parsed = parsedTemplates.get(source);
  if (parsed === undefined) {
    parsed = liquid.parse(source);
    if (parsedTemplates.size >= MAX_PARSED_TEMPLATES) parsedTemplates.clear();
    parsedTemplates.set(source, parsed);
  }
  return liquid.renderSync(parsed, scope) as string;
}

/** A variable a template reads from the contact, and whether every use has a `default` to fall back on. */
export interface TemplateVariableUse {
  name: string;
  hasDefault: boolean;
}

const OUTPUT_PATTERN = /\{\{[\s\S]*?\}\}/g;
const DEFAULT_FILTER_PATTERN = /\|\s*default\s*:/;

/**
 * The contact variables a template reads (its globals: `assign`ed names are not the contact's).
 * A use counts as defaulted when it sits inside an output tag that applies `default`, which is
 * how marketers say "this may be missing"; uses in tags (`{% if city %}`) are not defaulted.
 * Null when the template does not parse (TEMPLATE_SYNTAX reports that).
 */
export function templateVariableUses(source: string): readonly TemplateVariableUse[] | null {
  // Validation asks again after every edit of a large flow; most bodies have not changed.
  const cached = usesCache.get(source);
  if (cached !== undefined) return cached;
  const uses = findVariableUses(source);
  if (usesCache.size >= USES_CACHE_SIZE) usesCache.clear();
  usesCache.set(source, uses);
  return uses;
}

const USES_CACHE_SIZE = 2000;
const usesCache = new Map<string, readonly TemplateVariableUse[] | null>();

function findVariableUses(source: string): TemplateVariableUse[] | null {
  let globals: Record<string, Array<{ location: { row: number; col: number } }>>;
  try {
    globals = liquid.analyzeSync(liquid.parse(source), { partials: false }).globals;
  } catch {
    return null;
  }
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const defaulted: Array<[number, number]> = [];
  for (const match of source.matchAll(OUTPUT_PATTERN)) {
    if (DEFAULT_FILTER_PATTERN.test(match[0])) defaulted.push([match.index, match.index + match[0].length]);
  }
  const isDefaulted = (row: number, col: number): boolean => {
    const offset = (lineStarts[row - 1] ?? 0) + col - 1;
    return defaulted.some(([start, end]) => offset >= start && offset < end);
  };
  return Object.entries(globals)
    .map(([name, uses]) => ({ name, hasDefault: uses.every((use) => isDefaulted(use.location.row, use.location.col)) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What a template's source says about the length of what it renders, before any contact's values. */
export interface TemplateLengthFacts {
  /** Literal text outside every block tag: every contact receives at least this much. */
  fixedChars: number;
  /** Literal text anywhere (both sides of an `if`, a loop's body once). */
  literalChars: number;
  /** A `for` or `tablerow` loop repeats text, so the length depends on data. */
  hasLoop: boolean;
}

const TAG_PATTERN = /\{%-?\s*(#|[a-z_]+)[\s\S]*?-?%\}|\{\{[\s\S]*?\}\}/g;
const BLOCK_TAGS = new Set(['if', 'unless', 'case', 'for', 'tablerow', 'capture']);

/**
 * Counts literal text by where it sits (validation's BODY_TOO_LONG and BODY_MAY_BE_TOO_LONG).
 * Comments count nothing; `raw` counts what it holds. Whitespace control is ignored, so the
 * counts are at most a few characters high.
 */
export function templateLengthFacts(source: string): TemplateLengthFacts {
  let fixedChars = 0;
  let literalChars = 0;
  let hasLoop = false;
  let depth = 0;
  let skipUntil: string | null = null;
  let last = 0;
  const literal = (text: string): void => {
    if (skipUntil === 'endcomment') return;
    literalChars += text.length;
    if (depth === 0) fixedChars += text.length;
  };
  for (const match of source.matchAll(TAG_PATTERN)) {
    const name = match[1];
    if (skipUntil !== null) {
      if (name !== skipUntil) continue;
      literal(source.slice(last, match.index));
      skipUntil = null;
      last = match.index + match[0].length;
      continue;
    }
    literal(source.slice(last, match.index));
    last = match.index + match[0].length;
    if (name === 'comment') skipUntil = 'endcomment';
    else if (name === 'raw') skipUntil = 'endraw';
    else if (name !== undefined && BLOCK_TAGS.has(name)) {
      depth++;
      if (name === 'for' || name === 'tablerow') hasLoop = true;
    } else if (name !== undefined && name.startsWith('end') && BLOCK_TAGS.has(name.slice(3))) depth = Math.max(0, depth - 1);
  }
  if (skipUntil === null) literal(source.slice(last));
  return { fixedChars, literalChars, hasLoop };
}
