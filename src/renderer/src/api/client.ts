import { createParser } from 'eventsource-parser';
import type { ApiResult } from '../../../shared/api/result';
import type { MethodInput, MethodName, MethodResult, PostcardBridge } from '../../../shared/api/contract';

/**
 * The renderer's one way to the Node side. Inside Electron the preload exposes the contract on
 * `window.postcard` (IPC); in the browser mode the same calls go over loopback HTTP with the
 * per-run token the host printed in the URL fragment. Either way every call resolves to an
 * `ApiResult`: transport failures become `UNAVAILABLE` errors instead of rejections.
 */

/** A change notification from the Node side (`flows.changed`, …); only `type` is guaranteed. */
export interface ChangeEvent {
  type: string;
  [key: string]: unknown;
}

export interface ApiClient {
  readonly transport: 'ipc' | 'http';
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<ApiResult<MethodResult<M>>>;
  /** Listen to change events; returns the unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}

/** The bridge may also offer an event channel; it is optional so older shells still work. */
type BridgeWithEvents = PostcardBridge & { onEvent?: (listener: (event: ChangeEvent) => void) => () => void };

const TOKEN_KEY = 'postcard.token';

/**
 * Take the token from `#token=…`, keep it for this tab only (sessionStorage survives a reload,
 * not a new window) and remove it from the address bar so it does not end up in screenshots
 * or bookmarks.
 */
export function takeTokenFromLocation(location: Location, history: History, storage: Storage): string | null {
  const match = /(?:^#|[#&])token=([A-Za-z0-9._~-]+)/.exec(location.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    const rest = location.hash.replace(/(?:^#|&)token=[A-Za-z0-9._~-]+/, '').replace(/^#?&?/, '');
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

const unavailable = (message: string): ApiResult<never> => ({ ok: false, error: { code: 'UNAVAILABLE', message } });

function isApiResult(value: unknown): value is ApiResult<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  const record = value as { ok: unknown; error?: unknown };
  if (record.ok === true) return 'value' in record;
  return record.ok === false && typeof record.error === 'object' && record.error !== null;
}

export function createHttpClient(baseUrl: string, token: string | null): ApiClient {
  return {
    transport: 'http',
    async call(method, input) {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/api/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(input),
        });
      } catch (error) {
        return unavailable(`Cannot reach Postcard (${error instanceof Error ? error.message : String(error)}). Is the app still running?`);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        return unavailable(`Postcard answered ${response.status} ${response.statusText} without a readable result.`);
      }
      return isApiResult(body) ? (body as ApiResult<never>) : unavailable('Postcard answered with an unexpected result.');
    },
    subscribe: createEventStream(baseUrl, token),
  };
}

/** How long to wait before reconnecting: the server's `retry:` once it has said one. */
const DEFAULT_RETRY_MS = 2000;
const UNAUTHORIZED_RETRY_MS = 30_000;

/**
 * The change events of the browser mode: one stream for the page's lifetime, shared by every
 * view that listens (views come and go; the connection does not), opened on the first listener.
 * It is read with fetch so the token goes in the Authorization header like every other call:
 * EventSource can only put it in the URL, where it lands in logs and history. A dropped stream
 * is opened again after the server's retry delay.
 */
function createEventStream(baseUrl: string, token: string | null): ApiClient['subscribe'] {
  const listeners = new Set<(event: ChangeEvent) => void>();
  let isOpen = false;
  let retryMs = DEFAULT_RETRY_MS;

  const deliver = (data: string): void => {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return; // A malformed event is dropped; the next one still arrives.
    }
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') return;
    for (const listener of listeners) listener(event as ChangeEvent);
  };

  const readOnce = async (): Promise<number> => {
    const response = await fetch(`${baseUrl}/api/events`, {
      headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      cache: 'no-store',
    });
    if (response.status === 401) return UNAUTHORIZED_RETRY_MS;
    if (!response.ok || !response.body) return retryMs;
    const parser = createParser({
      onEvent: (message) => deliver(message.data),
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return retryMs;
      parser.feed(value);
    }
  };

  const run = async (): Promise<void> => {
    for (;;) {
      const wait = await readOnce().catch(() => retryMs);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  return (listener) => {
    listeners.add(listener);
    if (!isOpen && typeof fetch === 'function' && typeof TextDecoderStream === 'function') {
      isOpen = true;
      void run();
    }
    return () => {
      listeners.delete(listener);
    };
  };
}

export function createBridgeClient(bridge: BridgeWithEvents): ApiClient {
  return {
    transport: 'ipc',
    async call(method, input) {
      const invoke = bridge[method] as (input: unknown) => Promise<ApiResult<MethodResult<typeof method>>>;
      try {
        return await invoke(input);
      } catch (error) {
        return unavailable(`The app shell failed to answer (${error instanceof Error ? error.message : String(error)}).`);
      }
    },
    subscribe(listener) {
      return bridge.onEvent ? bridge.onEvent(listener) : () => undefined;
    },
  };
}

/** Pick the transport for this window: the preload bridge when present, else loopback HTTP. */
export function createApiClient(win: Window): ApiClient {
  const bridge = (win as unknown as { postcard?: BridgeWithEvents }).postcard;
  if (bridge) return createBridgeClient(bridge);
  const token = takeTokenFromLocation(win.location, win.history, win.sessionStorage);
  return createHttpClient(win.location.origin, token);
}
