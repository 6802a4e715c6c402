import type { IncomingMessage, ServerResponse } from 'node:http';
import type Database from 'better-sqlite3';
import { LINK_CODE_LENGTH } from '../../shared/analytics/links';
import { recordClick, resolveLink } from '../analytics/links';

/**
 * `GET /l/<code>`: the tracked-link redirect. Mountable in any node:http server (the runner's
 * listener, a test's loopback server): it answers the requests it owns and returns false for the
 * rest. A known code is a 302 to its destination with the click recorded (a link-preview fetcher
 * is recorded as one and not counted); anything else under /l/ is a bare 404 that says nothing
 * about which codes exist.
 */

const PATH = /^\/l\/([0-9A-Za-z]+)\/?$/;

export interface LinkHandlerOptions {
  sqlite: Database.Database;
  now?: () => number;
  /** Called when recording fails; the contact is still sent on to the destination. */
  onError?: (error: unknown) => void;
}

export function createLinkHandler(options: LinkHandlerOptions): (request: IncomingMessage, response: ServerResponse) => boolean {
  const now = options.now ?? Date.now;
  return (request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith('/l/')) return false;
    const match = PATH.exec(path);
    const code = match?.[1];
    const resolved = code && code.length === LINK_CODE_LENGTH && (request.method === 'GET' || request.method === 'HEAD') ? resolveLink(options.sqlite, code) : null;
    if (!resolved) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end('Not found');
      return true;
    }
    try {
      recordClick(options.sqlite, { ...resolved.click, userAgent: request.headers['user-agent'] ?? null, at: now() });
    } catch (error) {
      options.onError?.(error);
    }
    response.writeHead(302, { Location: resolved.destination, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    response.end();
    return true;
  };
}
