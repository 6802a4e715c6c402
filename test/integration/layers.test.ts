import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintSnippet, repoRoot as root } from '../support/lint';

/** The layer-boundary findings for a snippet linted as if it lived at `file`. */
const lint = async (file: string, code: string): Promise<string[]> =>
  (await lintSnippet(file, code)).filter((f) => f.ruleId === 'no-restricted-imports').map((f) => f.message);

describe('layer boundaries are enforced by lint', () => {
  it('src/shared may not import Node modules, native modules or other layers', async () => {
    expect(await lint('src/shared/leak.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toHaveLength(1);
    expect(await lint('src/shared/leak.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).toHaveLength(1);
    expect(await lint('src/shared/leak.ts', "import { x } from '../main/app';\nexport const y = x;\n")).toHaveLength(1);
    expect(await lint('src/shared/fine.ts', "import { z } from 'zod';\nexport const y = z;\n")).toHaveLength(0);
  });

  it('the renderer may not import src/main, Node or electron', async () => {
    expect(await lint('src/renderer/src/Leak.tsx', "import { openPostcard } from '../../main/app';\nexport const x = openPostcard;\n")).toHaveLength(1);
    expect(await lint('src/renderer/src/leak.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n")).toHaveLength(1);
    expect(await lint('src/renderer/src/leak.ts', "import { join } from 'node:path';\nexport const x = join;\n")).toHaveLength(1);
  });

  it('only the Electron shell imports electron', async () => {
    expect(await lint('src/main/services/leak.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(1);
    expect(await lint('src/main/electron/main.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(0);
  });

  it('the whole tree passes lint and the type check', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const eslint = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'], { cwd: root, encoding: 'utf8' });
    expect(eslint.stdout + eslint.stderr).toBe('');
    expect(eslint.status).toBe(0);
  }, 240_000);
});
