import { Liquid } from 'liquidjs';

/**
 * Message bodies are Liquid templates ({{ first_name | default: "there" }}). One engine
 * instance, configured once, is shared by validation, the handset preview and the journey
 * engine so a body renders the same everywhere.
 */
const liquid = new Liquid({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  // Templates come from marketers, not code: keep them away from includes and the file system.
  relativeReference: false,
  cache: 200,
});

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
