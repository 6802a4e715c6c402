import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, posix, sep } from 'node:path';

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

export function sendStaticFile(req: IncomingMessage, res: ServerResponse, file: string, size: number): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', size);
  // Hashed assets may be cached; the shell must not be, so a rebuilt app is picked up.
  res.setHeader('Cache-Control', file.endsWith('index.html') ? 'no-store' : 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export async function fileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
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
