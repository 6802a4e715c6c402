// The Electron shell: window, IPC binding and app lifecycle, nothing else. Everything it calls
// (storage, services, dispatch) runs under plain Node and is tested there; keep this file thin.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, net, protocol, session, shell, type WebContents } from 'electron';
import { methodNames } from '../../shared/api/contract';
import { fail } from '../../shared/api/result';
import { openPostcard, type Postcard } from '../app';
import { CONTENT_SECURITY_POLICY } from '../http/security';
import { resolveStaticFile } from '../http/static';
import { appRoot } from '../paths';
import { EVENT_CHANNEL, INVOKE_CHANNEL, METHODS_CHANNEL } from './channels';
import { devServerOrigin, windowWebPreferences } from './window';

/** The renderer is served from our own privileged scheme so every response carries our CSP. */
const SCHEME = 'postcard';
const APP_HOST = 'app';
const APP_URL = `${SCHEME}://${APP_HOST}/index.html`;
/**
 * `electron-vite dev` sets ELECTRON_RENDERER_URL and builds this file with `import.meta.env.DEV`
 * true; `electron-vite build` (what `npm start` and packaging run) compiles it to false, so
 * only a development build ever loads from, or answers, a dev server.
 */
const devOrigin = devServerOrigin({ isDevelopmentBuild: import.meta.env?.DEV === true, isPackaged: app.isPackaged, rendererUrl: process.env.ELECTRON_RENDERER_URL });
const devServerUrl = devOrigin ? process.env.ELECTRON_RENDERER_URL : undefined;
/** Vite's dev server needs inline scripts (React refresh) and a websocket for hot reload. */
const DEV_CSP = `${CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws:")}`;

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let postcard: Postcard | null = null;
let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  // A second copy would open the same database; hand over to the first one instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.whenReady().then(start, (error: unknown) => fatal('Postcard could not start', error));
}

async function start(): Promise<void> {
  const nativeBinding = electronNativeBinding();
  if (!existsSync(nativeBinding)) {
    fatal(
      "Postcard's database driver for Electron is missing",
      new Error(`${nativeBinding} was not found. Run \`npm run rebuild:electron\` (or \`npm start\`, which does it for you).`),
    );
    return;
  }
  try {
    // The journey engine runs in a worker thread with its own connection, so a large tick never stalls the window's IPC.
    postcard = await openPostcard({ dataDir: app.getPath('userData'), nativeBinding, rootDir: appRoot(), scheduler: 'worker' });
  } catch (error) {
    fatal('Postcard could not open its database', error);
    return;
  }

  const rendererDir = join(appRoot(), 'out', 'renderer');
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? await resolveStaticFile(rendererDir, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });

  // Backstop for anything not served by our scheme (the dev server, file:// if ever used).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [devServerUrl ? DEV_CSP : CONTENT_SECURITY_POLICY] },
    });
  });
  // The app needs no camera, microphone, notifications or geolocation.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  const api = postcard;
  ipcMain.on(METHODS_CHANNEL, (event) => {
    event.returnValue = isOwnRenderer(event.senderFrame?.url) ? [...methodNames] : [];
  });
  ipcMain.handle(INVOKE_CHANNEL, async (event, method: unknown, input: unknown) => {
    if (!isOwnRenderer(event.senderFrame?.url)) return fail('FORBIDDEN', 'calls are accepted from the Postcard window only');
    if (typeof method !== 'string') return fail('UNKNOWN_METHOD', 'the method name must be a string');
    return api.dispatch(method, input, { transport: 'ipc' });
  });
  api.events.subscribe((event) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
    }
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Postcard',
    show: false,
    backgroundColor: '#101114',
    webPreferences: windowWebPreferences(join(appRoot(), 'out', 'preload', 'index.cjs')),
  });
  mainWindow = window;
  lockDown(window.webContents);
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  void window.loadURL(devServerUrl ?? APP_URL);
}

/** No navigation away from the app, no new windows; https links open in the user's browser. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOwnRenderer(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnRenderer(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const external = safeExternalUrl(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
}

function isOwnRenderer(url: string | undefined): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === `${SCHEME}:` && parsed.host === APP_HOST) return true;
  if (devOrigin) return parsed.origin === devOrigin;
  return false;
}

/** Only plain https links without credentials leave the app, and only to the default browser. */
function safeExternalUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' || parsed.username || parsed.password || !parsed.hostname) return null;
    return parsed.toString();
  } catch {
    return null;
  }
}

/**
 * better-sqlite3 built for Electron's ABI, kept apart from node_modules (whose build serves
 * Node: tests and the CLI). `npm run rebuild:electron` produces it; packaging ships it in resources.
 */
function electronNativeBinding(): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'native', 'better_sqlite3.node')
    : join(appRoot(), 'build', 'electron-native', 'better_sqlite3.node');
}

function fatal(title: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[postcard] ${title}:`, error);
  dialog.showErrorBox(title, message);
  app.exit(1);
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  postcard?.close();
  postcard = null;
});
