import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_NAME = 'Postcard';

/**
 * Where Postcard keeps its database and media when nothing overrides it: the same folder
 * Electron's `app.getPath('userData')` uses, so the CLI and the desktop app share data.
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME);
}

/** `--data-dir` beats `POSTCARD_DATA_DIR` beats the OS default. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.POSTCARD_DATA_DIR) return resolve(env.POSTCARD_DATA_DIR);
  return defaultDataDir();
}

/** The repository (or, packaged, the app) root: holds drizzle/, resources/ and out/. */
export const appRoot = (): string => resolve(import.meta.dirname, '..', '..');
