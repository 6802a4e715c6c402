import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Runs once per E2E run: finds a Chromium and builds the app the tests serve (`out/renderer`).
 * Without a browser a developer's run skips the suite — loudly — while CI (`CI=true`) fails,
 * because a green CI that never opened the UI would be a lie.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string | null;
  }
}

const repoRoot = join(import.meta.dirname, '..', '..');

function findChromium(): string | null {
  const candidates = [
    process.env.POSTCARD_CHROMIUM,
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  ];
  return candidates.find((path): path is string => Boolean(path && existsSync(path))) ?? null;
}

function warnBox(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '═'.repeat(width + 2);
  console.warn(`\n╔${bar}╗\n${lines.map((l) => `║ ${l.padEnd(width)} ║`).join('\n')}\n╚${bar}╝\n`);
}

export default function setup(project: TestProject): void {
  const chromiumPath = findChromium();
  if (!chromiumPath) {
    const hint = 'Install Chromium (Debian: apt-get install chromium) or set POSTCARD_CHROMIUM=/path/to/chrome.';
    if (process.env.CI === 'true') {
      throw new Error(`E2E: no Chromium found, and CI=true forbids skipping the browser tests. ${hint}`);
    }
    warnBox(['E2E TESTS SKIPPED: no Chromium browser found on this machine.', 'The UI was NOT tested in this run.', hint]);
    project.provide('chromiumPath', null);
    return;
  }

  const build = spawnSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'build'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (build.status !== 0) {
    throw new Error(`E2E: "npx electron-vite build" failed:\n${build.stdout}\n${build.stderr}`);
  }
  project.provide('chromiumPath', chromiumPath);
}
