import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devServerOrigin, windowWebPreferences } from '../../src/main/electron/window';

// Electron cannot run here: these check the settings the shell is built and started with.
const root = join(import.meta.dirname, '..', '..');

interface BuilderConfig {
  electronFuses?: Record<string, boolean>;
}

/** The packaging config as electron-builder itself reads and validates it (its own loader and schema). */
async function builderConfig(): Promise<BuilderConfig> {
  const require = createRequire(join(root, 'package.json'));
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
    validateConfiguration(config: BuilderConfig, debug: { add(): void; isEnabled: boolean }): Promise<void>;
  };
  const config = await getConfig(root, null, null);
  await validateConfiguration(config, { add() {}, isEnabled: false });
  return config;
}

describe('the packaged app', () => {
  it('flips the Electron fuses that would let the shipped binary run other code', async () => {
    const { electronFuses } = await builderConfig();
    expect(electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });
});

describe('the window', () => {
  it('is isolated and sandboxed, with the spellchecker (which downloads dictionaries) off', () => {
    expect(windowWebPreferences('/app/preload.cjs')).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });

  it('trusts a dev server only in a development build of the unpackaged app, and only on this machine', () => {
    const dev = { isDevelopmentBuild: true, isPackaged: false };
    expect(devServerOrigin({ ...dev, rendererUrl: 'http://localhost:5173' })).toBe('http://localhost:5173');
    expect(devServerOrigin({ ...dev, rendererUrl: 'http://127.0.0.1:5173/' })).toBe('http://127.0.0.1:5173');
    // `npm start` runs a production build unpackaged: ELECTRON_RENDERER_URL is ignored there.
    expect(devServerOrigin({ isDevelopmentBuild: false, isPackaged: false, rendererUrl: 'http://localhost:5173' })).toBeNull();
    expect(devServerOrigin({ isDevelopmentBuild: true, isPackaged: true, rendererUrl: 'http://localhost:5173' })).toBeNull();
    expect(devServerOrigin({ ...dev, rendererUrl: 'https://evil.example' })).toBeNull();
    expect(devServerOrigin({ ...dev, rendererUrl: 'file:///tmp/x.html' })).toBeNull();
    expect(devServerOrigin({ ...dev, rendererUrl: 'not a url' })).toBeNull();
    expect(devServerOrigin({ ...dev, rendererUrl: undefined })).toBeNull();
  });
});
