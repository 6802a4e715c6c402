import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderSecrets } from '../providers/account';
import { readWebhook, type WebhookEvent, type WebhookKind } from '../providers/webhooks';

/**
 * The provider-facing listener of `postcard run --listen HOST:PORT --public-url URL`:
 * POST /webhooks/<account>/status and POST /webhooks/<account>/inbound. Each request's
 * signature is checked with that account's secrets before anything is read; unsigned, forged or
 * stale requests get 403 and reach nothing. What a verified request carries goes to `deliver`
 * (the runtime's receipts and inbound); if that throws, the answer is 500 and the provider
 * sends it again later.
 */
export interface WebhookHandlerOptions {
  /** The public URL the providers call (what Twilio signs), without a trailing slash. */
  publicUrl: string;
  /** The account's credentials, or null when there is no such account. */
  secretsOf(accountId: string): ProviderSecrets | null;
  deliver(accountId: string, kind: WebhookKind, events: WebhookEvent[]): void | Promise<void>;
  now(): number;
  /** Provider callbacks are small; anything larger is refused (413) unread. */
  maxBodyBytes?: number;
  /** Told why a request was refused (never with a secret); for the runner's log. */
  onRefused?(accountId: string, reason: string): void;
}

const defaultMaxBodyBytes = 256 * 1024;
const route = /^\/webhooks\/([A-Za-z0-9_.-]{1,100})\/(status|inbound)$/;

/** Handles a request if its path is a webhook's (true), else leaves it to the caller (false). */
export function createWebhookHandler(options: WebhookHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = route.exec(path);
    if (!match) return false;
    const accountId = match[1] as string;
    const kind = match[2] as WebhookKind;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    const secrets = options.secretsOf(accountId);
    if (!secrets) {
      res.writeHead(404).end();
      return true;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === null) {
      res.writeHead(413, { connection: 'close' }).end();
      return true;
    }
    const outcome = readWebhook(secrets.provider, secrets, kind, { url: `${publicUrl}${req.url ?? ''}`, headers: req.headers, rawBody: body, now: options.now() });
    if (!outcome.ok) {
      options.onRefused?.(accountId, outcome.reason);
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('signature refused');
      return true;
    }
    try {
      if (outcome.events.length > 0) await options.deliver(accountId, kind, outcome.events);
    } catch {
      res.writeHead(500).end();
      return true;
    }
    // Twilio reads the answer to an inbound message as TwiML: an empty Response sends no reply.
    if (secrets.provider === 'twilio') res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    else res.writeHead(200).end();
    return true;
  };
}

/** The body as text, or null when it is larger than `limit` bytes (then the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

export interface WebhookListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A route of the listener besides the webhooks: answers (true) or leaves the request to the next (false). */
export type ListenerRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/**
 * A listener serving the webhook routes, then `routes` in order (the runner adds the tracked-link
 * redirect), and 404 for anything else.
 */
export async function startWebhookListener(options: WebhookHandlerOptions & { host: string; port: number; routes?: readonly ListenerRoute[] }): Promise<WebhookListener> {
  const handlers: ListenerRoute[] = [createWebhookHandler(options), ...(options.routes ?? [])];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    for (const route of handlers) if (await route(req, res)) return true;
    return false;
  };
  const server = createServer((req, res) => {
    handle(req, res).then(
      (isHandled) => {
        if (!isHandled) res.writeHead(404).end();
      },
      () => {
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
