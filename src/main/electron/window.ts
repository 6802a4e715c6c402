// The window's security settings, kept apart from main.ts (which imports electron) so they are
// checked under plain Node: test/unit/electronWindow.test.ts reads them.

/** The settings every Postcard window is created with (BrowserWindow `webPreferences`). */
export function windowWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    // Chromium's spellchecker downloads Hunspell dictionaries from Google's servers; Postcard
    // sends nothing anywhere until the user publishes, so it stays off.
    spellcheck: false,
  } as const;
}

/**
 * The dev server's origin, trusted to load the window and call the API, or null. Only a
 * development build (`electron-vite dev`, which compiles `isDevelopmentBuild` in as true) of an
 * unpackaged app uses one, and only on this machine: otherwise anyone who could set
 * ELECTRON_RENDERER_URL before `npm start` would point the window, and its API, at their site.
 */
export function devServerOrigin(options: { isDevelopmentBuild: boolean; isPackaged: boolean; rendererUrl: string | undefined }): string | null {
  if (!options.isDevelopmentBuild || options.isPackaged || !options.rendererUrl) return null;
  let url: URL;
  try {
    url = new URL(options.rendererUrl);
  } catch {
    return null;
  }
  const isLoopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback ? url.origin : null;
}
