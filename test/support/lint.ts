import { join } from 'node:path';
import { ESLint } from 'eslint';

export const repoRoot = join(import.meta.dirname, '../..');

export interface LintFinding {
  ruleId: string;
  message: string;
}

/**
 * Lint a snippet as if it lived at `file`, with the project's real config. The snippet is not
 * on disk, so it is linted without type information (the rules under test need none).
 */
export async function lintSnippet(file: string, code: string): Promise<LintFinding[]> {
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false } },
      rules: { '@typescript-eslint/no-floating-promises': 'off' },
    },
  });
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  const messages = result?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(fatal.message);
  return messages.flatMap((m) => (m.ruleId === null ? [] : [{ ruleId: m.ruleId, message: m.message }]));
}
