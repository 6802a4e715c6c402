import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { environmentSecretStore } from '../../src/main/secrets';
import type { FlowDetail, PublishResult } from '../../src/shared';
import type { ConnectionTestResult, MediaHostingGetResult, MediaHostingSettings, SendingAccount } from '../../src/shared/api/accounts';
import type { MediaImportResult, MediaRendition } from '../../src/shared/api/media';
import { ok as okFrom } from '../support/dispatch';
import { edge, graph, node } from '../support/graphs';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startLoopbackS3, type LoopbackS3 } from '../support/s3';

let s3: LoopbackS3;
/** Sits in front of the S3 server and counts the uploads that reach it. */
let counter: { endpoint: string; puts: string[]; close(): Promise<void> };
let dir: string;
let postcard: Postcard;

beforeAll(async () => {
  s3 = await startLoopbackS3(['mms-media']);
  counter = await countingProxy(s3.endpoint);
});
afterAll(async () => {
  await counter.close();
  await s3.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-hosting-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false, secretStore: environmentSecretStore({}) });
  counter.puts.length = 0;
});
afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);

async function refusal(method: string, input: unknown): Promise<{ code: string; message: string }> {
  const result = await postcard.dispatch(method, input);
  if (result.ok) throw new Error(`${method} was expected to be refused`);
  return result.error;
}

const hosting = (overrides: Record<string, unknown> = {}) => ({
  endpoint: counter.endpoint,
  region: s3.region,
  bucket: 'mms-media',
  publicBaseUrl: `${s3.endpoint}/mms-media`,
  secrets: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
  ...overrides,
});

/** An MMS flow with a fresh photo, set to send through a Twilio account. */
async function mmsFlowOnAccount(colour = '#c0392b'): Promise<{ flow: FlowDetail; assetId: string }> {
  const account = await ok<SendingAccount>('accounts.add', {
    provider: 'twilio',
    name: `Store ${colour}`,
    sender: '+14155550100',
    secrets: { accountSid: `AC${'1'.repeat(32)}`, authToken: 'f'.repeat(32) },
  });
  const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: colour } })
    .composite([{ input: Buffer.from('<svg width="1600" height="1200"><circle cx="800" cy="600" r="400" fill="#f1c40f"/></svg>') }])
    .jpeg({ quality: 95 })
    .toBuffer();
  const imported = await ok<MediaImportResult>('media.import', { source: 'upload', name: 'drop.jpg', dataBase64: photo.toString('base64') });
  const flow = await ok<FlowDetail>('flows.create', { name: `Spring drop ${colour}` });
  await ok('flows.saveDraft', {
    id: flow.id,
    settings: { ...flow.settings, sendingAccountId: account.id },
    graph: graph(
      [
        node('t', 'trigger', { type: 'manual' }),
        node('m', 'mms', { body: 'New arrivals', mediaAssetId: imported.asset.id }),
        node('s', 'sms', { body: 'New arrivals: https://shop.example/new' }),
        node('x', 'exit'),
      ],
      [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 's'), edge('s', 'next', 'x')],
    ),
  });
  return { flow: await ok<FlowDetail>('flows.get', { id: flow.id }), assetId: imported.asset.id };
}

describe('media hosting in an S3-compatible bucket', () => {
  it('refuses to publish an MMS flow on a real account until media hosting is set up, and says what to set up', async () => {
    const { flow } = await mmsFlowOnAccount();
    const error = await refusal('flows.publish', { id: flow.id });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/Media hosting/);
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).versions).toEqual([]);
  });

  it('a flow on the simulator publishes without media hosting', async () => {
    const { flow } = await mmsFlowOnAccount();
    await ok('flows.saveDraft', { id: flow.id, settings: { ...flow.settings, sendingAccountId: null }, graph: flow.graph });
    expect((await ok<PublishResult>('flows.publish', { id: flow.id })).status).toBe('live');
    expect(counter.puts).toEqual([]);
  });

  it('uploads the rendition for the flow’s send profile once, serves its exact bytes, and a second publish uploads nothing', async () => {
    const settings = await ok<MediaHostingSettings>('hosting.set', hosting());
    expect(settings.secrets.map((s) => [s.field, s.isSet])).toEqual([['accessKeyId', true], ['secretAccessKey', true]]);
    const { flow, assetId } = await mmsFlowOnAccount();

    expect((await ok<PublishResult>('flows.publish', { id: flow.id })).version).toBe(1);
    expect(counter.puts).toHaveLength(1);
    const rendition = await ok<MediaRendition>('media.render', { id: assetId, profileId: flow.settings.sendProfileId, includeData: true });
    const expected = Buffer.from(rendition.dataUrl!.split(',')[1]!, 'base64');
    const key = counter.puts[0]!;
    expect(key).toMatch(/^\/mms-media\/postcard\/[0-9a-f]{64}\.(jpg|jpeg|png|gif)$/);
    const served = await fetch(`${s3.endpoint}${key}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(expected)).toBe(true);

    // An edit and a second publish: the same image is already in the bucket.
    await ok('flows.saveDraft', { id: flow.id, graph: { ...flow.graph, nodes: flow.graph.nodes.map((n) => (n.id === 's' ? { ...n, config: { body: 'Last call' } } : n)) } });
    expect((await ok<PublishResult>('flows.publish', { id: flow.id })).version).toBe(2);
    expect(counter.puts).toHaveLength(1);
  });

  it('hands out presigned URLs that serve the media and expire', async () => {
    await ok('hosting.set', hosting({ publicBaseUrl: null, presignHours: 2 / 3600 }));
    const { flow, assetId } = await mmsFlowOnAccount('#2980b9');
    await ok('flows.publish', { id: flow.id });
    const url = await postcard.services.mediaHosting.urlForAsset(assetId, flow.settings.sendProfileId);
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=2');
    expect((await fetch(url!)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const expired = await fetch(url!);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/i);
  });

  it('test answers in words: a working bucket, then one that does not exist and keys it does not know', async () => {
    await ok('hosting.set', hosting());
    const good = await ok<ConnectionTestResult>('hosting.test', {});
    expect(good).toMatchObject({ isOk: true });
    expect(good.message).toMatch(/read it back/);
    expect(counter.puts).toHaveLength(1);

    await ok('hosting.set', hosting({ bucket: 'no-such-bucket' }));
    const missing = await ok<ConnectionTestResult>('hosting.test', {});
    expect(missing).toMatchObject({ isOk: false, code: 'NoSuchBucket' });
    expect(missing.message).toContain('"no-such-bucket"');

    await ok('hosting.set', hosting({ secrets: { accessKeyId: 'AKIAWRONGWRONGWRONG', secretAccessKey: 'x'.repeat(40) } }));
    const wrongKey = await ok<ConnectionTestResult>('hosting.test', {});
    expect(wrongKey).toMatchObject({ isOk: false, code: 'InvalidAccessKeyId' });
    expect(wrongKey.message).toMatch(/access key ID is wrong/);
  });

  it('a bucket that refuses the upload stops the publish with the bucket’s reason, and the flow stays unpublished', async () => {
    await ok('hosting.set', hosting({ bucket: 'no-such-bucket' }));
    const { flow } = await mmsFlowOnAccount('#27ae60');
    const error = await refusal('flows.publish', { id: flow.id });
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/"no-such-bucket".*refused to upload.*NoSuchBucket/);
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).versions).toEqual([]);
    const shown = await ok<MediaHostingGetResult>('hosting.get', {});
    expect(JSON.stringify(shown)).not.toContain(S3_SECRET_ACCESS_KEY + '"');
  });
});

/** Forwards every request to the S3 server unchanged (Host included, so signatures hold) and notes each PUT's path. */
async function countingProxy(target: string): Promise<{ endpoint: string; puts: string[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const puts: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    if (incoming.method === 'PUT') puts.push(incoming.url!.split('?')[0]!);
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, puts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
