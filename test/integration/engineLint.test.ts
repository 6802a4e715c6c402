import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const determinismRules = new Set(['no-restricted-properties', 'no-restricted-globals', 'no-restricted-syntax']);

/** Lint a snippet as if it lived at `file`, with the project's real config; returns the determinism findings. */
async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false } },
      rules: { '@typescript-eslint/no-floating-promises': 'off' },
    },
  });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  const messages = result?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(fatal.message);
  return messages.filter((m) => m.ruleId !== null && determinismRules.has(m.ruleId)).map((m) => m.ruleId as string);
}

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
