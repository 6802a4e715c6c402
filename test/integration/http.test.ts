import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { MAX_BODY_BYTES, startHost, type Host } from '../../src/main/http/host';
import type { ApiResult } from '../../src/shared';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let root: string;
let postcard: Postcard;
let host: Host;
let dispatched: string[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'postcard-http-'));
  const rendererDir = join(root, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Postcard</title><div id="root"></div>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("postcard")');
  writeFileSync(join(rendererDir, 'assets', 'mount-DbIehWdV.js'), 'export const mounted = true;');
  writeFileSync(join(rendererDir, '.env'), 'HIDDEN=1');
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET');
  symlinkSync(join(root, 'secret.txt'), join(rendererDir, 'assets', 'linked.txt'));

  postcard = await openPostcard({ dataDir: join(root, 'data'), seedSamples: false });
  // Counts what reaches the dispatch: a refused request must never get there.
  const counting: Pick<Postcard, 'dispatch' | 'events'> = {
    events: postcard.events,
    dispatch: (method, input, meta) => {
      dispatched.push(method);
      return postcard.dispatch(method, input, meta);
    },
  };
  host = await startHost({ postcard: counting, rendererDir });
});

afterAll(async () => {
  await host.close();
  postcard.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  dispatched = [];
});

function send(options: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; chunks?: Buffer[] }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: host.port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

const auth = (token = host.token): OutgoingHttpHeaders => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

function api(method: string, input: unknown, headers: OutgoingHttpHeaders = auth()): Promise<Reply> {
  return send({ method: 'POST', path: `/api/${method}`, headers, body: JSON.stringify(input) });
}

const parse = (reply: Reply): ApiResult<unknown> => JSON.parse(reply.body) as ApiResult<unknown>;
const errorCode = (reply: Reply): string | undefined => {
  const result = parse(reply);
  return result.ok ? undefined : result.error.code;
};
const flowCount = (): number => postcard.services.flows.list().length;

describe('loopback host: the happy path', () => {
  it('binds to 127.0.0.1 and hands out a URL carrying the token in the fragment', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.url).toBe(`${host.origin}/#token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(43);
  });

  it('creates and lists a flow over real HTTP', async () => {
    const created = await api('flows.create', { name: 'Welcome series' });
    expect(created.status).toBe(200);
    const result = parse(created);
    expect(result.ok).toBe(true);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers['x-content-type-options']).toBe('nosniff');
    expect(created.headers['referrer-policy']).toBe('no-referrer');

    const listed = parse(await api('flows.list', { search: 'welcome' }));
    expect(listed.ok && (listed.value as { name: string }[]).map((flow) => flow.name)).toEqual(['Welcome series']);
    expect(dispatched).toEqual(['flows.create', 'flows.list']);
  });

  it('accepts the same-origin Origin header and localhost as the Host', async () => {
    const reply = await api('flows.list', {}, { ...auth(), origin: host.origin });
    expect(reply.status).toBe(200);
    const viaLocalhost = await api('flows.list', {}, { ...auth(), host: `localhost:${host.port}`, origin: `http://localhost:${host.port}` });
    expect(viaLocalhost.status).toBe(200);
  });

  it('maps error results to HTTP statuses and keeps the ApiResult body', async () => {
    const missing = await api('flows.get', { id: 'no-such-flow' });
    expect(missing.status).toBe(404);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const invalid = await api('flows.create', { name: 42 });
    expect(invalid.status).toBe(400);
    expect(errorCode(invalid)).toBe('INVALID_INPUT');
    const unknown = await api('flows.destroyEverything', {});
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe('UNKNOWN_METHOD');
  });

  it('streams change events to a client that sends the token in its Authorization header', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: host.port, path: '/api/events', headers: { authorization: `Bearer ${host.token}` } },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let buffer = '';
          res.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('utf8');
            const match = /data: (.+)\n\n/.exec(buffer);
            if (match?.[1]) {
              req.destroy();
              resolve(match[1]);
            }
          });
          // Once the stream is open, make a change.
          void api('flows.create', { name: 'Evented' });
        },
      );
      req.on('error', reject);
      req.end();
    });
    const event = JSON.parse(await received) as { type: string; flowId: string };
    expect(event.type).toBe('flows.changed');
    expect(event.flowId).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('loopback host: refusals that touch nothing', () => {
  it('refuses a call without a token (401)', async () => {
    const before = flowCount();
    const reply = await api('flows.create', { name: 'Sneaky' }, { 'content-type': 'application/json' });
    expect(reply.status).toBe(401);
    expect(errorCode(reply)).toBe('UNAUTHORIZED');
    expect(flowCount()).toBe(before);
    expect(dispatched).toEqual([]);
  });

  it('refuses a wrong token, including one of the right length (401)', async () => {
    const before = flowCount();
    const wrong = host.token.slice(0, -1) + (host.token.endsWith('A') ? 'B' : 'A');
    for (const token of [wrong, 'x', `${host.token}x`]) {
      const reply = await api('flows.create', { name: 'Sneaky' }, auth(token));
      expect(reply.status).toBe(401);
    }
    const noBearer = await api('flows.create', { name: 'Sneaky' }, { authorization: host.token, 'content-type': 'application/json' });
    expect(noBearer.status).toBe(401);
    expect(flowCount()).toBe(before);
    expect(dispatched).toEqual([]);
  });

  it('refuses the event stream without the token, and with the token in the URL (401)', async () => {
    expect((await send({ path: '/api/events' })).status).toBe(401);
    expect((await send({ path: '/api/events', headers: auth('wrong') })).status).toBe(401);
    // A token in the query string would end up in logs and history: it is not accepted there.
    expect((await send({ path: `/api/events?token=${encodeURIComponent(host.token)}` })).status).toBe(401);
  });

  it('refuses a foreign Origin even with the right token (403)', async () => {
    const before = flowCount();
    for (const origin of ['http://evil.example', `http://127.0.0.1:${host.port + 1}`, 'null', `https://127.0.0.1:${host.port}`]) {
      const reply = await api('flows.create', { name: 'Cross-site' }, { ...auth(), origin });
      expect(reply.status).toBe(403);
      expect(errorCode(reply)).toBe('FORBIDDEN');
    }
    expect(flowCount()).toBe(before);
    expect(dispatched).toEqual([]);
  });

  it('refuses a foreign Host header, the DNS-rebinding case (403)', async () => {
    const before = flowCount();
    for (const hostHeader of ['evil.example', `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, `0.0.0.0:${host.port}`]) {
      const reply = await api('flows.create', { name: 'Rebound' }, { ...auth(), host: hostHeader });
      expect(reply.status).toBe(403);
    }
    const page = await send({ path: '/', headers: { host: 'evil.example' } });
    expect(page.status).toBe(403);
    expect(flowCount()).toBe(before);
    expect(dispatched).toEqual([]);
  });

  it('refuses a body over the limit, declared up front (413)', async () => {
    const before = flowCount();
    const body = Buffer.alloc(MAX_BODY_BYTES + 1024, 0x20);
    const reply = await send({ method: 'POST', path: '/api/flows.create', headers: { ...auth(), 'content-length': body.length }, body });
    expect(reply.status).toBe(413);
    expect(errorCode(reply)).toBe('PAYLOAD_TOO_LARGE');
    expect(flowCount()).toBe(before);
    expect(dispatched).toEqual([]);
  });

  it('refuses a streamed (chunked) body once it passes the limit (413)', async () => {
    const before = flowCount();
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const chunks = Array.from({ length: Math.ceil(MAX_BODY_BYTES / chunk.length) + 1 }, () => chunk);
    const reply = await send({ method: 'POST', path: '/api/flows.create', headers: { ...auth(), 'transfer-encoding': 'chunked' }, chunks });
    expect(reply.status).toBe(413);
    expect(flowCount()).toBe(before);
    expect(dispatched).toEqual([]);
  });

  it('takes API calls by POST only (405) and JSON only (415)', async () => {
    const get = await send({ path: '/api/flows.list', headers: auth() });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const form = await send({ method: 'POST', path: '/api/flows.create', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'text/plain' }, body: '{"name":"Form"}' });
    expect(form.status).toBe(415);
    expect(dispatched).toEqual([]);
  });

  it('answers malformed JSON with INVALID_INPUT without calling anything', async () => {
    const reply = await send({ method: 'POST', path: '/api/flows.create', headers: auth(), body: '{"name":' });
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('INVALID_INPUT');
    expect(dispatched).toEqual([]);
  });
});

describe('loopback host: static files', () => {
  it('serves the app shell with a strict Content-Security-Policy', async () => {
    const page = await send({ path: '/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Postcard</title>');
    const csp = String(page.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "connect-src 'self'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const script = await send({ path: '/assets/app.js' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('never serves a file outside the renderer folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/..\\secret.txt',
      '/assets/linked.txt',
      '/.env',
      '/assets/app.js%00.html',
      '/%',
    ];
    for (const path of attempts) {
      const reply = await send({ path });
      expect(reply.body, path).not.toContain('TOP-SECRET');
      expect(reply.body, path).not.toContain('HIDDEN');
      expect([400, 403, 404], path).toContain(reply.status);
    }
  });

  it('answers the build from memory, read at start: hashed assets may be cached for good, the shell never', async () => {
    const hashed = await send({ path: '/assets/mount-DbIehWdV.js' });
    expect(hashed.status).toBe(200);
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await send({ path: '/assets/app.js' })).headers['cache-control']).toBe('no-cache');
    expect((await send({ path: '/flows/abc' })).headers['cache-control']).toBe('no-store');
    // Gone from the disk (a rebuild in progress): the running host still serves the build it started with.
    rmSync(join(root, 'renderer', 'assets', 'mount-DbIehWdV.js'));
    const again = await send({ path: '/assets/mount-DbIehWdV.js' });
    expect([again.status, again.body]).toEqual([200, 'export const mounted = true;']);
    expect((await send({ method: 'HEAD', path: '/assets/mount-DbIehWdV.js' })).headers['content-length']).toBe('28');
  });

  it('does not accept writes on static paths', async () => {
    const reply = await send({ method: 'PUT', path: '/index.html', body: 'x' });
    expect(reply.status).toBe(405);
  });
});
