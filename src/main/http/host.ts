import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiErrorCode, ApiResult } from '../../shared/api/result';
import { fail } from '../../shared/api/result';
import type { PostcardEvent } from '../api/events';
import type { Postcard } from '../app';
import { bearerToken, isOwnHost, isSameToken, newToken, setSecurityHeaders } from './security';
import { sendStaticFile, StaticFiles } from './static';

/** A flow document may be up to 5 MB; JSON escaping and the envelope get some headroom. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** After refusing a body we read (and drop) at most this much more, so the client sees our 413. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;
const SSE_HEARTBEAT_MS = 25_000;
/** A launch address opens the app once, within this time (a browser that starts cold is slow). */
const LAUNCH_CODE_TTL_MS = 120_000;
const LAUNCH_PATH = '/launch/';

export interface StartHostOptions {
  postcard: Pick<Postcard, 'dispatch' | 'events'>;
  /** The built renderer (`out/renderer`); static files are served from here only. */
  rendererDir: string;
  /** 0 or omitted: any free port. */
  port?: number;
  /** Omitted: a fresh random token for this run. */
  token?: string;
  maxBodyBytes?: number;
}

export interface Host {
  /** Open this: the renderer reads the token from the fragment, which never reaches a server log. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /**
   * A one-time address that opens the app: the first GET redirects to `url`, then it is dead
   * (also after two minutes). It is what `serve --open` hands the browser launcher, whose
   * command line any local user can read in `ps`; the token itself never goes on a command line.
   */
  launchUrl(): string;
  close(): Promise<void>;
}

const STATUS_BY_CODE: Partial<Record<ApiErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  CONFLICT: 409,
  FLOW_INVALID: 422,
  FLOW_CORRUPT: 422,
  DOCUMENT_INVALID: 422,
  DOCUMENT_TOO_NEW: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  CANCELLED: 409,
  INTERNAL: 500,
};

const statusOf = (result: ApiResult<unknown>): number => (result.ok ? 200 : (STATUS_BY_CODE[result.error.code] ?? 400));

/**
 * The loopback host behind `postcard serve` and the browser mode: the built renderer plus the
 * API, bound to 127.0.0.1. Every API call needs this run's token; a foreign Host or Origin is
 * refused before anything else happens, and refused calls never reach the dispatch.
 */
export async function startHost(options: StartHostOptions): Promise<Host> {
  const token = options.token ?? newToken();
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const { dispatch, events } = options.postcard;
  const streams = new Set<ServerResponse>();
  /** One-time launch codes and when each stops working. */
  const launchCodes = new Map<string, number>();
  let port = 0;
  const files = new StaticFiles(options.rendererDir);
  await files.warm();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[postcard] HTTP request failed:', error);
      if (!res.headersSent) sendJson(res, 500, fail('INTERNAL', 'Something went wrong inside Postcard.'));
      else res.destroy();
    });
  });
  // Slow-loris guard: a request must arrive within a reasonable time.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const host = req.headers.host;
    if (!isOwnHost(host, port)) {
      refuse(req, res, 403, fail('FORBIDDEN', 'this host only answers to 127.0.0.1 and localhost'));
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      refuse(req, res, 403, fail('FORBIDDEN', 'requests from other sites are not allowed'));
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      res.setHeader('Cache-Control', 'no-store');
      if (url.pathname === '/api/events') return serveEvents(req, res);
      return serveApi(req, res, url);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      refuse(req, res, 405, fail('INVALID_INPUT', 'only GET and HEAD are served here'));
      return;
    }
    if (url.pathname.startsWith(LAUNCH_PATH)) return serveLaunch(req, res, url.pathname.slice(LAUNCH_PATH.length));
    const file = files.cached(url.pathname) ?? (await files.load(url.pathname));
    if (!file) {
      sendJson(res, 404, fail('NOT_FOUND', 'no such file'));
      return;
    }
    sendStaticFile(req, res, file);
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!isSameToken(bearerToken(req.headers.authorization), token)) {
      refuse(req, res, 401, fail('UNAUTHORIZED', 'missing or wrong token: open Postcard with the URL `postcard serve` printed'));
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      refuse(req, res, 405, fail('INVALID_INPUT', 'API calls use POST'));
      return;
    }
    // Forms can post text/plain across sites without a preflight; the API takes JSON only.
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      refuse(req, res, 415, fail('INVALID_INPUT', 'send the input as application/json'));
      return;
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBody) {
      refuse(req, res, 413, tooLarge(maxBody));
      return;
    }
    const body = await readBody(req, maxBody);
    if (body === null) {
      refuse(req, res, 413, tooLarge(maxBody));
      return;
    }
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(res, 400, fail('INVALID_INPUT', 'the request body is not valid JSON'));
        return;
      }
    }
    const method = url.pathname.slice('/api/'.length);
    const result = await dispatch(method, input, { transport: 'http' });
    sendJson(res, statusOf(result), result);
  }

  function serveLaunch(req: IncomingMessage, res: ServerResponse, code: string): void {
    res.setHeader('Cache-Control', 'no-store');
    const expiresAt = launchCodes.get(code);
    // HEAD (a link previewer, a launcher probing the address) must not use the code up.
    if (req.method === 'GET') launchCodes.delete(code);
    if (expiresAt === undefined || expiresAt < Date.now()) {
      res.statusCode = 410;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('This launch address has been used or has expired. Open the address `postcard serve` printed.\n');
      return;
    }
    res.statusCode = 303;
    res.setHeader('Location', `/#token=${token}`);
    res.end();
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    // The token comes in the Authorization header, as for every call: never in the URL, where
    // it would end up in logs and the browser's history.
    if (!isSameToken(bearerToken(req.headers.authorization), token)) {
      refuse(req, res, 401, fail('UNAUTHORIZED', 'missing or wrong token'));
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      refuse(req, res, 405, fail('INVALID_INPUT', 'events are read with GET'));
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const unsubscribe = events.subscribe((event: PostcardEvent) => {
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    heartbeat.unref();
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', stop);
    res.on('error', stop);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    launchUrl: () => {
      const code = newToken();
      launchCodes.set(code, Date.now() + LAUNCH_CODE_TTL_MS);
      return `${origin}${LAUNCH_PATH}${code}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function tooLarge(limit: number): ApiResult<never> {
  return fail('PAYLOAD_TOO_LARGE', `the request body is over ${Math.round(limit / 1024 / 1024)} MB`);
}

function sendJson(res: ServerResponse, status: number, body: ApiResult<unknown>): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/**
 * Answers without reading the request, then drops whatever body is still coming (up to a cap)
 * so the client receives the status instead of a reset connection.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: ApiResult<never>): void {
  res.setHeader('Connection', 'close');
  sendJson(res, status, body);
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAIN_BYTES) req.destroy();
  });
  req.resume();
}

/** The body, or null once it grows past `limit` (the rest is left to `refuse`). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}
