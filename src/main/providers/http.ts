import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { classifyProviderError } from './errors';
import type { SendFailure } from './types';

/**
 * One HTTP call to a provider, through the platform's node:http / node:https with a keep-alive
 * agent per protocol (connections are reused across calls). Not fetch: in Node 20 undici's fetch
 * cost about five times the CPU per request of node:http on this workload (0.8 vs 0.16 ms,
 * loopback, 50 in flight), which decides whether one core keeps up with 1,000 messages a second.
 * Every call has a deadline (an AbortSignal); what goes wrong on the way (no answer in time, a
 * reset or refused connection) comes back as a value the adapters turn into a retryable failure,
 * never as a thrown error.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface ResponseHeaders {
  get(name: string): string | null;
}

export type HttpOutcome =
  | { kind: 'response'; status: number; headers: ResponseHeaders; text: string; json: unknown }
  | { kind: 'network'; code: NetworkErrorCode; message: string };

export type NetworkErrorCode = 'TIMEOUT' | 'CONNECTION_RESET' | 'CONNECTION_REFUSED' | 'HOST_NOT_FOUND' | 'NETWORK_ERROR';

/**
 * A kept-alive connection idle this long is closed by Postcard, before the provider's side closes
 * it: a send written to a connection the server is closing at that very moment comes back as a
 * reset, and for a provider without an idempotency key a retried send may arrive twice.
 * bench:send at 100 MPS counted 6 such resets in 100,000 sends with connections kept until the
 * server's own idle timeout. Servers commonly close idle connections after 5 s or more (Node's
 * default); Node also closes a second before a `Keep-Alive: timeout=N` hint, when one is sent.
 * Only an idle connection is closed: a provider that takes longer than this to answer is waited
 * for until the call's own deadline.
 */
export const IDLE_CONNECTION_MS = 4_000;

const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 512, timeout: IDLE_CONNECTION_MS }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 512, timeout: IDLE_CONNECTION_MS }),
};

export function callProvider(request: HttpRequest): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({ kind: 'network', code: 'NETWORK_ERROR', message: `not a URL: ${request.url}` });
      return;
    }
    const protocol = url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : null;
    if (!protocol) {
      resolve({ kind: 'network', code: 'NETWORK_ERROR', message: `${url.protocol} is not http or https` });
      return;
    }
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    // The deadline is a timer cleared when the call ends (not AbortSignal.timeout, whose timer and
    // signal live on for the whole timeout after the answer: at 1,000 calls a second, ten
    // seconds of them held in memory).
    // (Events of the request come in later turns of the event loop, after `timer` is set.)
    const settle = (outcome: HttpOutcome): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const options = { method: request.method, headers, agent: agents[protocol] };
    const req = (protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => settle(networkOutcome(error, request)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        if (text.length > 0) {
          try {
            json = JSON.parse(text);
          } catch {
            json = null;
          }
        }
        const raw = res.headers;
        const get = (name: string): string | null => {
          const value = raw[name.toLowerCase()];
          return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
        };
        settle({ kind: 'response', status: res.statusCode ?? 0, headers: { get }, text, json });
      });
    });
    const timer = setTimeout(() => req.destroy(new DeadlineError()), request.timeoutMs);
    req.on('error', (error) => settle(networkOutcome(error, request)));
    req.end(request.body);
  });
}

/** The call's deadline passed before the whole answer came. */
class DeadlineError extends Error {
  override readonly name = 'TimeoutError';
}

function networkOutcome(error: unknown, request: HttpRequest): HttpOutcome & { kind: 'network' } {
  const host = safeHost(request.url);
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'network', code: 'TIMEOUT', message: `${host} did not answer within ${request.timeoutMs} ms` };
  }
  const withCode = error as { code?: string; cause?: { code?: string; message?: string } } | undefined;
  const code = withCode?.code ?? withCode?.cause?.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') {
    return { kind: 'network', code: 'CONNECTION_RESET', message: `${host} closed the connection before answering` };
  }
  if (code === 'ECONNREFUSED') return { kind: 'network', code: 'CONNECTION_REFUSED', message: `${host} refused the connection (is the base URL right?)` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'network', code: 'HOST_NOT_FOUND', message: `${host} could not be found (is the base URL right?)` };
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR') return { kind: 'network', code: 'TIMEOUT', message: `${host} did not answer within ${request.timeoutMs} ms` };
  const detail = withCode?.cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { kind: 'network', code: 'NETWORK_ERROR', message: `could not reach ${host}: ${detail}` };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A network failure as a send result: the provider may or may not have the message; retrying is the drain's call. */
export function networkFailure(outcome: HttpOutcome & { kind: 'network' }): SendFailure {
  return { ok: false, errorClass: classifyProviderError(outcome.code), code: outcome.code, message: outcome.message };
}

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(headers: ResponseHeaders, now: number): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The base URL without a trailing slash; the provider's public host when none is set. */
export function baseUrlOf(configured: string | null | undefined, fallback: string): string {
  return (configured && configured.trim() !== '' ? configured.trim() : fallback).replace(/\/+$/, '');
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(value: unknown, key: string): string | null {
  if (!isObject(value)) return null;
  const field = value[key];
  if (typeof field === 'string') return field;
  if (typeof field === 'number') return String(field);
  return null;
}

/** Parses a provider timestamp (ISO 8601 or RFC 2822, as Twilio writes them); `fallback` when absent. */
export function timeOf(value: string | null, fallback: number): number {
  if (!value) return fallback;
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallback : at;
}
