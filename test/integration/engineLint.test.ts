import { describe, expect, it } from 'vitest';
import { lintSnippet } from '../support/lint';

const determinismRules = new Set(['no-restricted-properties', 'no-restricted-globals', 'no-restricted-syntax']);

/** The determinism findings for a snippet linted as if it lived at `file`. */
const lint = async (file: string, code: string): Promise<string[]> =>
  (await lintSnippet(file, code)).filter((f) => determinismRules.has(f.ruleId)).map((f) => f.ruleId);

describe('the engine reads time and chance only through what it is given', () => {
  it('bans the real clock, timers and Math.random inside the engine', async () => {
    const file = 'src/main/engine/leak.ts';
    expect(await lint(file, 'export const t = Date.now();\n')).toEqual(['no-restricted-properties']);
    expect(await lint(file, 'export const t = new Date();\n')).toEqual(['no-restricted-syntax']);
    expect(await lint(file, 'export const t = Date();\n')).toEqual(['no-restricted-syntax']);
    expect(await lint(file, 'export const r = Math.random();\n')).toEqual(['no-restricted-properties']);
    expect(await lint(file, 'setTimeout(() => undefined, 10);\n')).toEqual(['no-restricted-globals']);
    expect(await lint(file, 'export const h = setInterval(() => undefined, 10);\n')).toEqual(['no-restricted-globals']);
    expect(await lint('src/shared/engine/leak.ts', 'export const r = Math.random();\n')).toEqual(['no-restricted-properties']);
  });

  it('allows dates built from a given instant, and the clock file itself', async () => {
    expect(await lint('src/main/engine/fine.ts', 'export const iso = (ts: number) => new Date(ts).toISOString();\n')).toEqual([]);
    expect(await lint('src/main/engine/clock.ts', 'export const now = () => Date.now();\nsetTimeout(() => undefined, 1);\n')).toEqual([]);
    // Outside the engine the rule does not apply (the CLI and the shell use the real clock).
    expect(await lint('src/main/cli/fine.ts', 'export const now = Date.now();\n')).toEqual([]);
  });
});
