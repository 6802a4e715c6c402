import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewShortened } from '../../src/shared/analytics/links';
import { defaultFlowSettings } from '../../src/shared/flow/settings';
import { countSmsSegments } from '../../src/shared/sms/segments';
import { linkCode, linkSecret, trackLinks } from '../../src/main/analytics/links';
import { AnalyticsService } from '../../src/main/analytics/service';
import { openSandbox } from '../../src/main/engine/sandbox';
import { createLinkHandler } from '../../src/main/http/links';

let dir: string;
let sqlite: Database.Database;
let server: Server;
let base: string;
let body: string;
const NOW = Date.parse('2026-02-02T12:00:00Z');

function get(path: string, userAgent: string): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { 'User-Agent': userAgent } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-links-'));
  sqlite = openSandbox({ file: join(dir, 'postcard.db') });
  sqlite.prepare(`INSERT INTO flows (id, name, status, settings_json, draft_graph_json) VALUES ('f1', 'Flow', 'live', ?, '{"nodes":[],"edges":[]}')`).run(JSON.stringify(defaultFlowSettings()));
  sqlite.prepare(`INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+14155550100', 0, 0)`).run();
  const secret = linkSecret(sqlite);
  body = trackLinks(
    sqlite,
    { secret, domain: 'go.example.com', idempotencyKey: 'e1:1', contactId: 1, flowId: 'f1', nodeId: 's1', utm: { utmSource: 'postcard', utmMedium: 'sms', utmCampaign: 'spring', utmContent: 's1' }, now: NOW },
    'Spring sale: https://shop.example/sale?ref=x and https://shop.example/faq.',
  );
  sqlite
    .prepare(
      `INSERT INTO messages (idempotency_key, flow_id, node_id, contact_id, channel, body, provider, status, created_at, accepted_at, updated_at)
       VALUES ('e1:1', 'f1', 's1', 1, 'sms', ?, 'simulator', 'delivered', ?, ?, ?)`,
    )
    .run(body, NOW, NOW, NOW);
  const handle = createLinkHandler({ sqlite, now: () => NOW + 60_000 });
  server = createServer((req, res) => {
    if (!handle(req, res)) {
      res.writeHead(418);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tracked links', () => {
  it('rewrites every link to a 10-character code on the link domain, keeping the sentence around it', () => {
    expect(body).toMatch(/^Spring sale: https:\/\/go\.example\.com\/l\/[0-9A-Za-z]{10} and https:\/\/go\.example\.com\/l\/[0-9A-Za-z]{10}\.$/);
  });

  it('makes codes from the install secret: the same message gets the same code, another install another', () => {
    const secret = linkSecret(sqlite);
    expect(linkCode(secret, 'e1:1', 0)).toBe(body.match(/\/l\/([0-9A-Za-z]{10})/)?.[1]);
    expect(linkCode(Buffer.alloc(32, 7), 'e1:1', 0)).not.toBe(linkCode(secret, 'e1:1', 0));
    expect(linkCode(secret, 'e1:1', 1)).not.toBe(linkCode(secret, 'e1:1', 0));
  });

  it('counts the shortened body in the preview and the segment counter', () => {
    const long = 'Hi! https://shop.example/products/spring-collection-2026/limited-edition?color=blue&size=m';
    const short = previewShortened(long, 'go.example.com');
    expect(short).toBe('Hi! https://go.example.com/l/xxxxxxxxxx');
    expect(countSmsSegments(short).segments).toBe(1);
    expect(countSmsSegments(long).characters).toBeGreaterThan(countSmsSegments(short).characters);
  });

  it('redirects a person to the destination with its UTM parameters and records the click', async () => {
    const code = body.match(/\/l\/([0-9A-Za-z]{10})/)?.[1] as string;
    const response = await get(`/l/${code}`, 'Mozilla/5.0 (Linux; Android 15) Chrome/131 Mobile');
    expect(response.status).toBe(302);
    const location = new URL(response.location as string);
    expect(location.origin + location.pathname).toBe('https://shop.example/sale');
    expect(Object.fromEntries(location.searchParams)).toEqual({ ref: 'x', utm_source: 'postcard', utm_medium: 'sms', utm_campaign: 'spring', utm_content: 's1' });
    const click = sqlite.prepare('SELECT message_id, flow_id, node_id, is_bot, is_unique FROM clicks ORDER BY id DESC LIMIT 1').get();
    expect(click).toMatchObject({ flow_id: 'f1', node_id: 's1', is_bot: 0, is_unique: 1 });
  });

  it('records a link-preview fetch (iMessage, WhatsApp, Slack) but not as a click', async () => {
    const code = body.match(/\/l\/([0-9A-Za-z]{10})/)?.[1] as string;
    for (const agent of ['facebookexternalhit/1.1 Facebot Twitterbot/1.0', 'WhatsApp/2.23.20.0 A', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)']) {
      expect((await get(`/l/${code}`, agent)).status).toBe(302);
    }
    const service = new AnalyticsService(sqlite);
    const totals = service.flow('f1', { from: '2026-02-01T00:00:00.000Z', to: '2026-02-05T00:00:00.000Z' }).totals;
    expect(totals).toMatchObject({ clicks: 1, uniqueClicks: 1, previewFetches: 3 });
  });

  it('answers an unknown or malformed code with a bare 404, and leaves other paths to the host', async () => {
    for (const path of ['/l/ZZZZZZZZZZ', '/l/short', '/l/abcdefghi%2F', '/l/']) {
      const response = await get(path, 'Mozilla/5.0');
      expect(response.status).toBe(404);
      expect(response.text).toBe('Not found');
    }
    expect((await get('/other', 'Mozilla/5.0')).status).toBe(418);
  });
});
