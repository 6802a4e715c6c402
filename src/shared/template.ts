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

/** Render a body for one contact. Throws when the template does not parse (validation blocks that earlier). */
export function renderTemplate(source: string, scope: TemplateScope): string {
  return liquid.parseAndRenderSync(source, scope);
}
