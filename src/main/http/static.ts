import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, posix, relative, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Resolves a request path to a file inside `rootDir`, or null. Decoding happens once, before
 * normalising, and the result (symlinks resolved) must still be inside the root: `..`, encoded
 * `%2e%2e%2f`, backslashes and NUL bytes cannot step outside it.
 */
export async function resolveStaticFile(rootDir: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const normalized = posix.normalize(`/${decoded}`);
  if (normalized.split('/').some((segment) => segment.startsWith('.') && segment.length > 0)) return null;
  const relative = normalized === '/' ? 'index.html' : normalized.slice(1);
  let root: string;
  try {
    root = await realpath(rootDir);
  } catch {
    return null;
  }
  const candidate = await existingFile(join(root, relative));
  if (candidate && isInside(root, candidate)) return candidate;
  // Client-side routes ("/flows/abc") get the app shell; anything that looks like a file does not.
  if (!extname(relative)) {
    const index = await existingFile(join(root, 'index.html'));
    if (index && isInside(root, index)) return index;
  }
  return null;
}

/** A file of the built renderer, held in memory: the whole app is about a megabyte. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/** Hashed build output (`assets/mount-DbIehWdV.js`): its name changes whenever its content does. */
const HASHED_ASSET = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

function cacheControlFor(urlPath: string, file: string): string {
  // The shell must never be cached, so a rebuilt app is picked up; hashed assets never change.
  if (file.endsWith('index.html')) return 'no-store';
  return HASHED_ASSET.test(urlPath) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * The renderer's files by request path, read once. A path that was served before is answered
 * from memory in the same turn of the event loop, so the scripts of a page being opened never
 * queue behind the disk (or behind an API call the page made at the same moment). Paths go
 * through resolveStaticFile first, as before; only files found inside the root are kept, and
 * the number of kept paths is bounded (client-side routes all map to the shell).
 */
export class StaticFiles {
  private readonly byPath = new Map<string, StaticFile>();
  private static readonly MAX_PATHS = 2_000;

  constructor(private readonly rootDir: string) {}

  /** Already in memory, or undefined (then use `load`). */
  cached(urlPath: string): StaticFile | undefined {
    return this.byPath.get(urlPath);
  }

  async load(urlPath: string): Promise<StaticFile | null> {
    const hit = this.byPath.get(urlPath);
    if (hit) return hit;
    const file = await resolveStaticFile(this.rootDir, urlPath);
    if (!file) return null;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return null;
    }
    const entry = { body, contentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', cacheControl: cacheControlFor(urlPath, file) };
    if (this.byPath.size < StaticFiles.MAX_PATHS) this.byPath.set(urlPath, entry);
    return entry;
  }

  /** Read every file of the build ahead of the first page load (the shell and its assets). */
  async warm(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.rootDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(this.rootDir, join(e.parentPath, e.name)));
    } catch {
      return;
    }
    await Promise.all(['/', ...names.map((name) => `/${name.split(sep).join('/')}`)].map((path) => this.load(path)));
  }
}

export function sendStaticFile(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Length', file.body.length);
  res.setHeader('Cache-Control', file.cacheControl);
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

async function existingFile(path: string): Promise<string | null> {
  try {
    const real = await realpath(path);
    return (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

function isInside(root: string, file: string): boolean {
  return file.startsWith(root.endsWith(sep) ? root : root + sep);
}
