import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import type { FlowDetail, FlowIssue, PublishResult } from '../../src/shared';
import type { MediaAssetDetail, MediaImportResult } from '../../src/shared/api/media';
import { edge, graph, node } from '../support/graphs';

let dir: string;
let postcard: Postcard;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-publish-media-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
});
afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok<T>(method: string, input: unknown): Promise<T> {
  const result = await postcard.dispatch(method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

const mmsFlow = (mediaAssetId: string) =>
  graph(
    [
      node('t', 'trigger', { type: 'manual' }),
      node('m', 'mms', { body: 'New arrivals', mediaAssetId }),
      node('s', 'sms', { body: 'New arrivals: https://shop.example/new' }),
      node('x', 'exit'),
    ],
    [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 's'), edge('s', 'next', 'x')],
  );

describe('publishing checks the media library, whichever door it comes through', () => {
  it('refuses an MMS whose media is not in the library, and publishes once real media is attached', async () => {
    const flow = await ok<FlowDetail>('flows.create', { name: 'Spring drop' });
    await ok('flows.saveDraft', { id: flow.id, graph: mmsFlow('a'.repeat(64)) });

    const refused = await postcard.dispatch('flows.publish', { id: flow.id });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('FLOW_INVALID');
    const issues = (refused.error.details as { issues: FlowIssue[] }).issues;
    expect(issues.filter((i) => i.severity === 'error').map((i) => [i.code, i.nodeId])).toEqual([['MMS_MEDIA_MISSING', 'm']]);
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).versions).toEqual([]);

    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#c0392b' } })
      .composite([{ input: Buffer.from('<svg width="1600" height="1200"><circle cx="800" cy="600" r="400" fill="#f1c40f"/></svg>') }])
      .jpeg({ quality: 95 })
      .toBuffer();
    const imported = await ok<MediaImportResult>('media.import', { source: 'upload', name: 'drop.jpg', dataBase64: photo.toString('base64') });
    const current = await ok<FlowDetail>('flows.get', { id: flow.id });
    await ok('flows.saveDraft', { id: flow.id, graph: mmsFlow(imported.asset.id), baseRevision: current.revision });

    const published = await ok<PublishResult>('flows.publish', { id: flow.id });
    expect(published.version).toBe(1);
    // The send profile's rendition was made while publishing, so the engine finds it ready.
    const asset = await ok<MediaAssetDetail>('media.get', { id: imported.asset.id });
    const rendition = asset.renditions.find((r) => r.profileId === 'mms-default');
    expect(rendition?.fitsBudget).toBe(true);
  });

  it("publishing sizes the flow's media for its send profile", async () => {
    // A photo that takes more than the safe default's 600 KB at good quality, well within a long code's 1 MB.
    const size = 1400;
    const photo = await sharp(Buffer.from(Array.from({ length: size * size * 3 }, (_, i) => (i * 2654435761) >>> 24)), {
      raw: { width: size, height: size, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    const { asset } = await ok<MediaImportResult>('media.import', { source: 'upload', name: 'texture.jpg', dataBase64: photo.toString('base64') });
    const flow = await ok<FlowDetail>('flows.create', { name: 'Long code drop' });
    await ok('flows.saveDraft', { id: flow.id, graph: mmsFlow(asset.id), settings: { ...flow.settings, sendProfileId: 'us-long-code' } });
    expect((await ok<FlowDetail>('flows.get', { id: flow.id })).settings.sendProfileId).toBe('us-long-code');

    await ok<PublishResult>('flows.publish', { id: flow.id });
    const renditions = (await ok<MediaAssetDetail>('media.get', { id: asset.id })).renditions;
    // Made while publishing, for the long code and nothing else.
    expect(renditions.map((r) => r.profileId)).toEqual(['us-long-code']);
    expect(renditions[0]?.fitsBudget).toBe(true);
    const exported = await ok<{ settings: { sendProfileId: string } }>('flows.export', { id: flow.id, version: 1 });
    expect(exported.settings.sendProfileId).toBe('us-long-code');
  });

  it('the library refuses to delete media a flow still sends, naming the flows, and deletes it once none does', async () => {
    const photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#2e86de' } }).jpeg().toBuffer();
    const { asset } = await ok<MediaImportResult>('media.import', { source: 'upload', name: 'hero.jpg', dataBase64: photo.toString('base64') });
    const textOnly = graph(
      [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'New arrivals: https://shop.example/new' }), node('x', 'exit')],
      [edge('t', 'next', 's'), edge('s', 'next', 'x')],
    );
    const refusal = async () => {
      const result = await postcard.dispatch('media.delete', { id: asset.id });
      return result.ok ? null : result.error;
    };

    // In a draft.
    const draft = await ok<FlowDetail>('flows.create', { name: 'Summer teaser' });
    await ok('flows.saveDraft', { id: draft.id, graph: mmsFlow(asset.id) });
    expect(await refusal()).toMatchObject({ code: 'CONFLICT', message: '"hero.jpg" is used by "Summer teaser" (draft). Remove it from those MMS steps first.' });

    // Published and live, even once its draft has moved on: contacts on that version still send it.
    const live = await ok<FlowDetail>('flows.create', { name: 'Spring drop' });
    await ok('flows.saveDraft', { id: live.id, graph: mmsFlow(asset.id) });
    await ok<PublishResult>('flows.publish', { id: live.id });
    const current = await ok<FlowDetail>('flows.get', { id: live.id });
    await ok('flows.saveDraft', { id: live.id, graph: textOnly, baseRevision: current.revision });
    const draftNow = await ok<FlowDetail>('flows.get', { id: draft.id });
    await ok('flows.saveDraft', { id: draft.id, graph: textOnly, baseRevision: draftNow.revision });
    const error = await refusal();
    expect(error?.message).toBe('"hero.jpg" is used by "Spring drop" (published, live). Remove it from those MMS steps first.');
    expect(error?.details).toEqual({ references: [{ flowId: live.id, name: 'Spring drop', status: 'live', in: 'published' }] });
    expect((await ok<MediaAssetDetail>('media.get', { id: asset.id })).id).toBe(asset.id);

    // Archived: nothing can send it any more.
    await ok('engine.archive', { flowId: live.id });
    await ok('media.delete', { id: asset.id });
    expect((await postcard.dispatch('media.get', { id: asset.id })).ok).toBe(false);
  });
});
