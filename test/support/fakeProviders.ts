import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Twilio, Vonage and Telnyx, written from their API references: a real
 * node:http server on 127.0.0.1 that checks what a real provider checks (content type, auth
 * header, field names, repeated MediaUrl, numbers without '+' for Vonage), answers in each
 * provider's shapes, records what it received, and can be told how to answer the next calls:
 * success, a provider error code, 401, 429 with Retry-After, 500, a hang, a reset connection, or
 * slowly. Used by the adapter tests and by `npm run bench:send` (which runs it in its own process).
 */

export type FakeProviderKind = 'twilio' | 'vonage' | 'telnyx';

export type FakeAnswer =
  | { kind: 'success' }
  /** The provider's own error body for `code` (its 4xx shape). */
  | { kind: 'error'; code: string; status?: number; message?: string }
  | { kind: 'unauthorized' }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'server_error' }
  /** Never answers (until the server closes). */
  | { kind: 'hang' }
  /** Closes the connection with a TCP reset before answering. */
  | { kind: 'reset' };

export interface FakeMessage {
  provider: FakeProviderKind;
  id: string;
  to: string;
  from: string | null;
  body: string;
  mediaUrls: string[];
  subject: string | null;
  clientRef: string | null;
  statusCallback: string | null;
  createdAt: number;
  status: string;
  errorCode: string | null;
  /** Messages a contact sent to us (see receive()) are inbound. */
  isInbound?: boolean;
}

export interface ReceivedRequest {
  provider: FakeProviderKind | 'unknown';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeProviderOptions {
  /** Added before every answer (a real provider's own latency). */
  latencyMs?: number;
  /** Keep every request and message (tests); the benchmark turns it off to measure the sender, not the fake. */
  isRecording?: boolean;
}

export const fakeCredentials = {
  twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'fake-twilio-auth-token-0001' },
  vonage: { apiKey: 'a1b2c3d4', apiSecret: 'fake-vonage-secret-0001' },
  telnyx: { apiKey: 'KEYfake-telnyx-api-key-0001' },
};

export class FakeProviders {
  readonly received: ReceivedRequest[] = [];
  readonly messages: FakeMessage[] = [];
  /** Requests the fake refused for not following the provider's API (a wire-format bug in the adapter). */
  readonly violations: string[] = [];
  accepted = 0;
  /** Sends (POSTs) being answered right now, and the most there were at once since the last reset. */
  sendsInFlight = 0;
  peakSendsInFlight = 0;
  latencyMs: number;
  private readonly isRecording: boolean;
  private readonly answers = new Map<FakeProviderKind, FakeAnswer[]>();
  private readonly server: Server;
  private readonly byId = new Map<string, FakeMessage>();
  private port = 0;

  private constructor(options: FakeProviderOptions) {
    this.latencyMs = options.latencyMs ?? 0;
    this.isRecording = options.isRecording ?? true;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    this.server.keepAliveTimeout = 30_000;
  }

  static async start(options: FakeProviderOptions = {}): Promise<FakeProviders> {
    const fake = new FakeProviders(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `times` sends to this provider get this answer (then success again). */
  answerNext(provider: FakeProviderKind, answer: FakeAnswer, times = 1): void {
    const queue = this.answers.get(provider) ?? [];
    for (let i = 0; i < times; i++) queue.push(answer);
    this.answers.set(provider, queue);
  }

  /** Moves a message on, as the carrier would (for status lookups). */
  setStatus(id: string, status: string, errorCode: string | null = null): void {
    const message = this.byId.get(id);
    if (!message) throw new Error(`no message ${id}`);
    message.status = status;
    message.errorCode = errorCode;
  }

  /** A contact's reply arriving at the provider (for inbound polling). */
  receive(provider: FakeProviderKind, reply: { from: string; to: string; body: string; at?: number }): FakeMessage {
    const message: FakeMessage = {
      provider,
      id: provider === 'twilio' ? `SM${randomBytes(16).toString('hex')}` : randomUUID(),
      to: reply.to,
      from: reply.from,
      body: reply.body,
      mediaUrls: [],
      subject: null,
      clientRef: null,
      statusCallback: null,
      createdAt: reply.at ?? Date.now(),
      status: provider === 'twilio' ? 'received' : 'webhook_delivered',
      errorCode: null,
      isInbound: true,
    };
    this.messages.push(message);
    this.byId.set(message.id, message);
    return message;
  }

  messagesTo(to: string): FakeMessage[] {
    return this.messages.filter((m) => m.to === to || m.to === to.replace(/^\+/, ''));
  }

  reset(): void {
    this.received.length = 0;
    this.messages.length = 0;
    this.violations.length = 0;
    this.answers.clear();
    this.byId.clear();
    this.accepted = 0;
    this.peakSendsInFlight = this.sendsInFlight;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------ routing
  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const provider = providerOf(url.pathname);
    if (this.isRecording) this.received.push({ provider, method: req.method ?? '', path: `${url.pathname}${url.search}`, headers: req.headers, body });
    const isSend = req.method === 'POST';
    if (isSend) {
      this.sendsInFlight++;
      this.peakSendsInFlight = Math.max(this.peakSendsInFlight, this.sendsInFlight);
      res.once('close', () => this.sendsInFlight--);
    }
    const answer = isSend && provider !== 'unknown' ? (this.answers.get(provider)?.shift() ?? { kind: 'success' }) : { kind: 'success' as const };
    if (answer.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (answer.kind === 'hang') return;
    const respond = (): void => {
      try {
        if (provider === 'twilio') this.twilio(req, res, url, body, answer);
        else if (provider === 'vonage') this.vonage(req, res, url, body, answer);
        else if (provider === 'telnyx') this.telnyx(req, res, url, body, answer);
        else json(res, 404, { error: `no such endpoint ${req.method} ${url.pathname}` });
      } catch (error) {
        json(res, 500, { error: String(error) });
      }
    };
    if (this.latencyMs > 0) setTimeout(respond, this.latencyMs);
    else respond();
  }

  private refuse(res: ServerResponse, status: number, violation: string, body: unknown): void {
    this.violations.push(violation);
    json(res, status, body);
  }

  private remember(message: FakeMessage): void {
    this.accepted++;
    if (!this.isRecording) return;
    this.messages.push(message);
    this.byId.set(message.id, message);
  }

  // ------------------------------------------------------------------------------ Twilio
  private twilio(req: IncomingMessage, res: ServerResponse, url: URL, body: string, answer: FakeAnswer): void {
    const match = /^\/2010-04-01\/Accounts\/([^/]+?)(\.json|\/Messages\.json|\/Messages\/([^/]+)\.json)$/.exec(url.pathname);
    const creds = fakeCredentials.twilio;
    const twilioError = (status: number, code: number | string, message: string): void =>
      json(res, status, { code: Number(code), message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    if (!match) return twilioError(404, 20404, 'The requested resource was not found');
    if (req.headers.authorization !== basic(creds.accountSid, creds.authToken) || match[1] !== creds.accountSid || answer.kind === 'unauthorized') {
      return twilioError(401, 20003, 'Authenticate');
    }
    if (match[2] === '.json' && req.method === 'GET') {
      return json(res, 200, { sid: creds.accountSid, friendly_name: 'Postcard test account', status: 'active', type: 'Full' });
    }
    if (match[3] && req.method === 'GET') {
      const message = this.byId.get(decodeURIComponent(match[3]));
      return message ? json(res, 200, twilioMessage(message)) : twilioError(404, 20404, `The requested resource /Messages/${match[3]}.json was not found`);
    }
    if (match[2] === '/Messages.json' && req.method === 'GET') {
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      // DateSent>=YYYY-MM-DD: sent on or after midnight (UTC) of that day.
      const sentAfter = url.searchParams.get('DateSent>');
      const since = sentAfter ? Date.parse(`${sentAfter}T00:00:00Z`) : Number.NEGATIVE_INFINITY;
      if (sentAfter && Number.isNaN(since)) return twilioError(400, 20001, `Invalid DateSent> ${sentAfter}`);
      const list = this.messages
        .filter((m) => m.provider === 'twilio' && (!to || m.to === to) && (!from || m.from === from) && m.createdAt >= since)
        .sort((a, b) => b.createdAt - a.createdAt);
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      return json(res, 200, { messages: list.slice(0, size).map(twilioMessage), next_page_uri: null, page: 0, page_size: size });
    }
    if (match[2] !== '/Messages.json' || req.method !== 'POST') return twilioError(405, 20004, 'Method not allowed');
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      // Twilio refuses JSON bodies: the parameters are simply not there.
      return this.refuse(res, 400, `Twilio: content-type ${req.headers['content-type']}`, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
    }
    const form = new URLSearchParams(body);
    const known = new Set(['To', 'From', 'MessagingServiceSid', 'Body', 'MediaUrl', 'StatusCallback']);
    for (const key of form.keys()) if (!known.has(key)) return this.refuse(res, 400, `Twilio: unknown parameter ${key}`, { code: 21610, message: `unknown ${key}`, status: 400 });
    const to = form.get('To');
    if (!to || !/^\+\d{6,15}$/.test(to)) return this.refuse(res, 400, `Twilio: To ${to}`, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    if (!form.get('From') && !form.get('MessagingServiceSid')) return this.refuse(res, 400, 'Twilio: no From', { code: 21603, message: "A 'From' phone number is required.", status: 400 });
    const mediaUrls = form.getAll('MediaUrl');
    if (!form.get('Body') && mediaUrls.length === 0) return this.refuse(res, 400, 'Twilio: no Body', { code: 21602, message: 'Message body is required.', status: 400 });
    if (answer.kind === 'error') return twilioError(answer.status ?? 400, answer.code, answer.message ?? `Twilio error ${answer.code}`);
    if (answer.kind === 'rate_limited') {
      res.setHeader('Retry-After', String(answer.retryAfterSeconds));
      return twilioError(429, 20429, 'Too Many Requests');
    }
    if (answer.kind === 'server_error') return twilioError(500, 20500, 'Internal Server Error');
    const message: FakeMessage = {
      provider: 'twilio',
      id: `SM${randomBytes(16).toString('hex')}`,
      to,
      from: form.get('From') ?? form.get('MessagingServiceSid'),
      body: form.get('Body') ?? '',
      mediaUrls,
      subject: null,
      clientRef: null,
      statusCallback: form.get('StatusCallback'),
      createdAt: Date.now(),
      status: 'queued',
      errorCode: null,
    };
    this.remember(message);
    json(res, 201, twilioMessage(message));
  }

  // ------------------------------------------------------------------------------ Vonage
  private vonage(req: IncomingMessage, res: ServerResponse, url: URL, body: string, answer: FakeAnswer): void {
    const creds = fakeCredentials.vonage;
    const problem = (status: number, code: string, title: string, detail: string): void => {
      res.setHeader('content-type', 'application/problem+json');
      res.statusCode = status;
      res.end(JSON.stringify({ type: `https://developer.vonage.com/api-errors/messages#${code}`, title, detail, instance: randomUUID() }));
    };
    const auth = req.headers.authorization ?? '';
    const isAuthorized = auth === basic(creds.apiKey, creds.apiSecret) || /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(auth);
    if (!isAuthorized || answer.kind === 'unauthorized') return problem(401, 'unauthorized', 'Unauthorized', 'You did not provide correct credentials.');
    if (url.pathname === '/account/get-balance' && req.method === 'GET') return json(res, 200, { value: 10.5, autoReload: false });
    if (url.pathname === '/v2/reports/records' && req.method === 'GET') {
      const to = url.searchParams.get('to');
      const start = Date.parse(url.searchParams.get('date_start') ?? '');
      const id = url.searchParams.get('id');
      const records = this.messages
        .filter((m) => m.provider === 'vonage' && (id ? m.id === id : (!to || m.to === to) && (Number.isNaN(start) || m.createdAt >= start)))
        .map((m) => ({ message_id: m.id, client_ref: m.clientRef, to: m.to, from: m.from, direction: 'outbound', status: m.status, error_code: m.errorCode, date_received: new Date(m.createdAt).toISOString() }));
      return json(res, 200, { request_status: 'SUCCESS', records });
    }
    if (url.pathname !== '/v1/messages' || req.method !== 'POST') return problem(404, 'not-found', 'Not Found', `${req.method} ${url.pathname}`);
    if (!req.headers['content-type']?.startsWith('application/json')) return this.refuse(res, 415, 'Vonage: not JSON', { title: 'Unsupported Media Type' });
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return this.refuse(res, 400, 'Vonage: invalid JSON', { title: 'Bad Request' });
    }
    const { channel, message_type: type, to, from } = payload;
    if (typeof to !== 'string' || !/^\d{6,15}$/.test(to)) return this.refuse(res, 422, `Vonage: to ${String(to)}`, { type: 'https://developer.vonage.com/api-errors/messages#1020', title: 'Invalid params', detail: `to ${String(to)}` });
    if (typeof from !== 'string' || from.startsWith('+')) return this.refuse(res, 422, `Vonage: from ${String(from)}`, { type: 'https://developer.vonage.com/api-errors/messages#1020', title: 'Invalid params', detail: 'from' });
    let text = '';
    let mediaUrls: string[] = [];
    if (channel === 'sms' && type === 'text' && typeof payload.text === 'string') {
      text = payload.text;
    } else if (channel === 'mms' && type === 'image' && typeof (payload.image as { url?: unknown } | undefined)?.url === 'string') {
      const image = payload.image as { url: string; caption?: string };
      mediaUrls = [image.url];
      text = image.caption ?? '';
    } else {
      return this.refuse(res, 422, `Vonage: channel ${String(channel)} / message_type ${String(type)}`, { type: 'https://developer.vonage.com/api-errors/messages#1020', title: 'Invalid params', detail: 'channel/message_type' });
    }
    if (answer.kind === 'error') return problem(answer.status ?? 422, answer.code, answer.message ?? `Error ${answer.code}`, answer.message ?? `Vonage error ${answer.code}`);
    if (answer.kind === 'rate_limited') {
      res.setHeader('Retry-After', String(answer.retryAfterSeconds));
      return problem(429, '1000', 'Throttled', 'You have exceeded the submission capacity allowed on this account.');
    }
    if (answer.kind === 'server_error') return problem(500, '1030', 'Internal error', 'There was an error processing your request in the Platform.');
    const message: FakeMessage = {
      provider: 'vonage',
      id: randomUUID(),
      to,
      from,
      body: text,
      mediaUrls,
      subject: null,
      clientRef: typeof payload.client_ref === 'string' ? payload.client_ref : null,
      statusCallback: typeof payload.webhook_url === 'string' ? payload.webhook_url : null,
      createdAt: Date.now(),
      status: 'submitted',
      errorCode: null,
    };
    this.remember(message);
    json(res, 202, { message_uuid: message.id });
  }

  // ------------------------------------------------------------------------------ Telnyx
  private telnyx(req: IncomingMessage, res: ServerResponse, url: URL, body: string, answer: FakeAnswer): void {
    const errors = (status: number, code: string, title: string, detail: string): void => json(res, status, { errors: [{ code, title, detail }] });
    if (req.headers.authorization !== `Bearer ${fakeCredentials.telnyx.apiKey}` || answer.kind === 'unauthorized') {
      return errors(401, '10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.');
    }
    if (url.pathname === '/v2/balance' && req.method === 'GET') return json(res, 200, { data: { balance: '10.00', currency: 'USD', record_type: 'balance' } });
    const byId = /^\/v2\/messages\/([^/]+)$/.exec(url.pathname);
    if (byId && req.method === 'GET') {
      const message = this.byId.get(decodeURIComponent(byId[1] ?? ''));
      return message ? json(res, 200, { data: telnyxMessage(message) }) : errors(404, '10005', 'Resource not found', 'The requested resource or URL could not be found.');
    }
    if (url.pathname === '/v2/detail_records' && req.method === 'GET') {
      if (url.searchParams.get('filter[record_type]') !== 'messaging') return this.refuse(res, 400, 'Telnyx: detail_records without record_type', { errors: [{ code: '10015', title: 'Bad Request' }] });
      const cld = url.searchParams.get('filter[cld]');
      const direction = url.searchParams.get('filter[direction]');
      const since = Date.parse(url.searchParams.get('filter[created_at][gte]') ?? '');
      const data = this.messages
        .filter((m) => m.provider === 'telnyx' && (!cld || m.to === cld) && (Number.isNaN(since) || m.createdAt >= since))
        .filter((m) => !direction || direction === (m.isInbound ? 'inbound' : 'outbound'))
        .map((m) => ({ record_type: 'message_detail_record', uuid: m.id, cld: m.to, cli: m.from, direction: m.isInbound ? 'inbound' : 'outbound', status: m.status, created_at: new Date(m.createdAt).toISOString() }));
      return json(res, 200, { data, meta: { total_results: data.length, page_number: 1, page_size: 20, total_pages: 1 } });
    }
    if (url.pathname !== '/v2/messages' || req.method !== 'POST') return errors(404, '10005', 'Resource not found', `${req.method} ${url.pathname}`);
    if (!req.headers['content-type']?.startsWith('application/json')) return this.refuse(res, 415, 'Telnyx: not JSON', { errors: [{ code: '10014', title: 'Unsupported Media Type' }] });
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return this.refuse(res, 400, 'Telnyx: invalid JSON', { errors: [{ code: '10023', title: 'Invalid JSON' }] });
    }
    const known = new Set(['from', 'messaging_profile_id', 'to', 'text', 'media_urls', 'subject', 'webhook_url', 'webhook_failover_url', 'use_profile_webhooks', 'type']);
    for (const key of Object.keys(payload)) if (!known.has(key)) return this.refuse(res, 422, `Telnyx: unknown field ${key}`, { errors: [{ code: '10015', title: 'Bad Request', detail: key }] });
    const to = payload.to;
    if (typeof to !== 'string' || !/^\+\d{6,15}$/.test(to)) return this.refuse(res, 422, `Telnyx: to ${String(to)}`, { errors: [{ code: '10016', title: 'Phone number must be in +E.164 format' }] });
    if (typeof payload.from !== 'string' && typeof payload.messaging_profile_id !== 'string') return this.refuse(res, 422, 'Telnyx: no from', { errors: [{ code: '10004', title: 'Missing required parameter', detail: 'from' }] });
    const mediaUrls = payload.media_urls;
    if (mediaUrls !== undefined && (!Array.isArray(mediaUrls) || mediaUrls.some((u) => typeof u !== 'string'))) return this.refuse(res, 422, 'Telnyx: media_urls', { errors: [{ code: '10015', title: 'Bad Request', detail: 'media_urls' }] });
    if (typeof payload.text !== 'string' && !Array.isArray(mediaUrls)) return this.refuse(res, 422, 'Telnyx: no text', { errors: [{ code: '10004', title: 'Missing required parameter', detail: 'text' }] });
    if (answer.kind === 'error') return errors(answer.status ?? 400, answer.code, answer.message ?? `Error ${answer.code}`, answer.message ?? `Telnyx error ${answer.code}`);
    if (answer.kind === 'rate_limited') {
      res.setHeader('Retry-After', String(answer.retryAfterSeconds));
      return errors(429, '10011', 'Too many requests', 'You have exceeded the maximum number of allowed requests.');
    }
    if (answer.kind === 'server_error') return errors(500, '10007', 'Unexpected error', 'An unexpected error occured.');
    const message: FakeMessage = {
      provider: 'telnyx',
      id: randomUUID(),
      to,
      from: typeof payload.from === 'string' ? payload.from : null,
      body: typeof payload.text === 'string' ? payload.text : '',
      mediaUrls: (mediaUrls as string[] | undefined) ?? [],
      subject: typeof payload.subject === 'string' ? payload.subject : null,
      clientRef: null,
      statusCallback: typeof payload.webhook_url === 'string' ? payload.webhook_url : null,
      createdAt: Date.now(),
      status: 'queued',
      errorCode: null,
    };
    this.remember(message);
    json(res, 200, { data: telnyxMessage(message) });
  }
}

function providerOf(path: string): FakeProviderKind | 'unknown' {
  if (path.startsWith('/2010-04-01/')) return 'twilio';
  if (path.startsWith('/v1/messages') || path.startsWith('/v2/reports') || path.startsWith('/account/')) return 'vonage';
  if (path.startsWith('/v2/')) return 'telnyx';
  return 'unknown';
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function twilioMessage(m: FakeMessage): Record<string, unknown> {
  return {
    sid: m.id,
    account_sid: fakeCredentials.twilio.accountSid,
    to: m.to,
    from: m.from,
    body: m.body,
    num_media: String(m.mediaUrls.length),
    status: m.status,
    direction: m.isInbound ? 'inbound' : 'outbound-api',
    error_code: m.errorCode === null ? null : Number(m.errorCode),
    error_message: m.errorCode === null ? null : `error ${m.errorCode}`,
    date_created: new Date(m.createdAt).toUTCString(),
    date_updated: new Date(m.createdAt).toUTCString(),
    date_sent: m.isInbound ? new Date(m.createdAt).toUTCString() : null,
  };
}

function telnyxMessage(m: FakeMessage): Record<string, unknown> {
  return {
    record_type: 'message',
    id: m.id,
    direction: m.isInbound ? 'inbound' : 'outbound',
    type: m.mediaUrls.length > 0 ? 'MMS' : 'SMS',
    from: { phone_number: m.from },
    to: [{ phone_number: m.to, status: m.status }],
    text: m.body,
    subject: m.subject,
    media: m.mediaUrls.map((url) => ({ url })),
    errors: m.errorCode ? [{ code: m.errorCode, title: `error ${m.errorCode}` }] : [],
    created_at: new Date(m.createdAt).toISOString(),
    updated_at: new Date(m.createdAt).toISOString(),
  };
}

/** An Ed25519 key pair like a Telnyx account's: the public key as the portal shows it (Base64 of its 32 bytes). */
export function telnyxKeyPair(): { publicKeyText: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKeyText: Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url').toString('base64'), privateKey };
}
