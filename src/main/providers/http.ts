import { classifyProviderError } from './errors';
import type { SendFailure } from './types';

/**
 * One HTTP call to a provider, through the platform's fetch (undici in Node 20+: keep-alive
 * pooling per origin, no dependency to install). Every call has a deadline; what goes wrong on
 * the way (no answer in time, a reset or refused connection) comes back as a value the adapters
 * turn into a retryable failure, never as a thrown error.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export type HttpOutcome =
  | { kind: 'response'; status: number; headers: Headers; text: string; json: unknown }
  | { kind: 'network'; code: NetworkErrorCode; message: string };

export type NetworkErrorCode = 'TIMEOUT' | 'CONNECTION_RESET' | 'CONNECTION_REFUSED' | 'HOST_NOT_FOUND' | 'NETWORK_ERROR';

export async function callProvider(request: HttpRequest): Promise<HttpOutcome> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    return networkOutcome(error, request);
  }
  let json: unknown = null;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  return { kind: 'response', status: response.status, headers: response.headers, text, json };
}

function networkOutcome(error: unknown, request: HttpRequest): HttpOutcome & { kind: 'network' } {
  const host = safeHost(request.url);
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'network', code: 'TIMEOUT', message: `${host} did not answer within ${request.timeoutMs} ms` };
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code ?? '';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return { kind: 'network', code: 'CONNECTION_RESET', message: `${host} closed the connection before answering` };
  }
  if (code === 'ECONNREFUSED') return { kind: 'network', code: 'CONNECTION_REFUSED', message: `${host} refused the connection (is the base URL right?)` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'network', code: 'HOST_NOT_FOUND', message: `${host} could not be found (is the base URL right?)` };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind: 'network', code: 'TIMEOUT', message: `${host} did not answer within ${request.timeoutMs} ms` };
  }
  const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
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
export function retryAfterMs(headers: Headers, now: number): number | undefined {
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
