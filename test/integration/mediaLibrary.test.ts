import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BASE64_CHARS, type MediaAssetDetail, type MediaAssetSummary, type MediaImportResult, type MediaRendition } from '../../src/shared/api/media';
import type { ApiResult } from '../../src/shared/api/result';
import { openPostcard, type Postcard } from '../../src/main/app';
import * as fx from '../fixtures/media/generate';

const root = join(import.meta.dirname, '..', '..');
let dataDir: string;
let postcard: Postcard;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postcard-media-lib-'));
  postcard = await openPostcard({ dataDir, seedSamples: false });
});
afterEach(async () => {
  postcard.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call<T>(method: string, input: unknown, transport: 'http' | 'ipc' | 'cli' = 'ipc'): Promise<ApiResult<T>> {
  return (await postcard.dispatch(method, input, { transport })) as ApiResult<T>;
}
async function value<T>(method: string, input: unknown): Promise<T> {
  const result = await call<T>(method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
}
/** What the browser mode sends per part: as much as one call carries. */
const MAX_UPLOAD_PART_BYTES = (MAX_UPLOAD_BASE64_CHARS / 4) * 3;
const upload = (name: string, bytes: Buffer) => ({ source: 'upload', name, dataBase64: bytes.toString('base64') });
const decodeDataUrl = (url: string) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name) : [];

describe('media library through dispatch', () => {
  it('stores an upload once under its content hash, with a thumbnail', async () => {
    const photo = await fx.photoJpeg(2000, 1500, 3);
    const first = await value<MediaImportResult>('media.import', upload('beach.jpg', photo));
    const id = createHash('sha256').update(photo).digest('hex');
    expect(first).toMatchObject({ isNew: true, asset: { id, kind: 'image', format: 'jpeg', width: 2000, height: 1500, name: 'beach.jpg' } });
    expect(await readFile(join(dataDir, 'media', 'originals', id.slice(0, 2), id.slice(2)))).toEqual(photo);
    const thumbnail = await sharp(decodeDataUrl(first.asset.thumbnail)).metadata();
    expect(thumbnail.format).toBe('webp');
    expect(Math.max(thumbnail.width ?? 0, thumbnail.height ?? 0)).toBe(256);
    const again = await value<MediaImportResult>('media.import', upload('copy.jpg', photo));
    expect(again.isNew).toBe(false);
    expect(again.asset.id).toBe(id);
    expect(await value<MediaAssetSummary[]>('media.list', {})).toHaveLength(1);
  });

  it('renders per profile once, then answers from the cache, and meters it', async () => {
    const { asset } = await value<MediaImportResult>('media.import', upload('photo.jpg', await fx.photoJpeg(3000, 2000, 4, 0.8)));
    const fresh = await value<MediaRendition>('media.render', { id: asset.id, profileId: 'international' });
    expect(fresh).toMatchObject({ isCached: false, fitsBudget: true, mime: 'image/jpeg', profileId: 'international' });
    expect(fresh.bytes).toBeLessThanOrEqual(275_000);
    const cached = await value<MediaRendition>('media.render', { id: asset.id, profileId: 'international', includeData: true });
    expect(cached).toMatchObject({ isCached: true, bytes: fresh.bytes, createdAt: fresh.createdAt });
    expect(cached.dataUrl?.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(decodeDataUrl(cached.dataUrl!).length).toBe(fresh.bytes);
    const detail = await value<MediaAssetDetail>('media.get', { id: asset.id });
    expect(detail.renditions).toHaveLength(1);
    expect(detail.meter.find((entry) => entry.profileId === 'international')).toMatchObject({ bytes: fresh.bytes, passes: true });
    expect(detail.meter.find((entry) => entry.profileId === 'us-long-code')).toMatchObject({ bytes: null, passes: null });
    // A different background is a different target: rendered anew, not served from the PNG cache.
    const logo = await value<MediaImportResult>('media.import', upload('logo.png', await fx.transparentPng()));
    const white = await value<MediaRendition>('media.render', { id: logo.asset.id, profileId: 'mms-default' });
    const black = await value<MediaRendition>('media.render', { id: logo.asset.id, profileId: 'mms-default', background: '#000000', includeData: true });
    expect(black.isCached).toBe(false);
    expect(white.notes.join(' ')).toContain('#ffffff');
    expect(black.notes.join(' ')).toContain('#000000');
  });

  it('refuses bad files without storing anything', async () => {
    const bomb = await call('media.import', upload('huge.png', fx.bombPng()));
    expect(bomb).toMatchObject({ ok: false, error: { code: 'MEDIA_TOO_MANY_PIXELS' } });
    const broken = await call('media.import', upload('broken.jpg', fx.truncated(await fx.photoJpeg(800, 600, 1))));
    expect(broken).toMatchObject({ ok: false, error: { code: 'MEDIA_CORRUPT' } });
    expect(await call('media.import', { source: 'upload', name: 'x.png', dataBase64: 'not base64!' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await value<MediaAssetSummary[]>('media.list', {})).toEqual([]);
    expect(filesUnder(join(dataDir, 'media'))).toEqual([]);
  });

  it('imports by path from the desktop app and the CLI, never over HTTP', async () => {
    const file = join(dataDir, 'logo.png');
    await writeFile(file, await fx.graphicPng(400, 400));
    expect(await call('media.import', { source: 'path', path: file }, 'http')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('media.import', { source: 'path', path: file }, 'cli')).toMatchObject({ ok: true, value: { isNew: true } });
    expect(await call('media.import', { source: 'path', path: join(dataDir, 'missing.png') }, 'ipc')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('deletes an asset with its files and renditions', async () => {
    const { asset } = await value<MediaImportResult>('media.import', upload('anim.gif', await fx.animatedGif()));
    expect(asset).toMatchObject({ kind: 'animation', frames: 12 });
    await value('media.render', { id: asset.id, profileId: 'mms-default' });
    expect(filesUnder(join(dataDir, 'media')).length).toBe(3);
    await value('media.delete', { id: asset.id });
    expect(filesUnder(join(dataDir, 'media'))).toEqual([]);
    expect(await call('media.get', { id: asset.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('imports a file too large for one call in parts, as the browser mode sends it', async () => {
    // Noise does not compress: a 2,600 px square PNG of it is about 20 MB, over three parts.
    const size = 2600;
    const pixels = randomBytes(size * size * 3);
    const png = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
    expect(png.length).toBeGreaterThan(2 * MAX_UPLOAD_PART_BYTES);

    const { uploadId } = await value<{ uploadId: string }>('media.uploadStart', { name: 'noise.png', bytes: png.length });
    let received = 0;
    for (let index = 0, offset = 0; offset < png.length; index++, offset += MAX_UPLOAD_PART_BYTES) {
      const part = png.subarray(offset, offset + MAX_UPLOAD_PART_BYTES);
      ({ receivedBytes: received } = await value<{ receivedBytes: number }>('media.uploadPart', { uploadId, index, dataBase64: part.toString('base64') }));
    }
    expect(received).toBe(png.length);
    const { asset, isNew } = await value<MediaImportResult>('media.uploadFinish', { uploadId });
    expect(isNew).toBe(true);
    expect(asset).toMatchObject({ id: createHash('sha256').update(png).digest('hex'), name: 'noise.png', kind: 'image', bytes: png.length });
    // Finished uploads are gone.
    expect(await call('media.uploadFinish', { uploadId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses parts out of order or past the announced size, and an unfinished upload, storing nothing', async () => {
    const gif = await fx.animatedGif();
    const half = Math.ceil(gif.length / 2);
    const parts = [gif.subarray(0, half), gif.subarray(half)].map((p) => p.toString('base64'));

    const first = await value<{ uploadId: string }>('media.uploadStart', { name: 'anim.gif', bytes: gif.length });
    expect(await call('media.uploadPart', { uploadId: first.uploadId, index: 1, dataBase64: parts[1] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'Part 1 of "anim.gif" arrived, but part 0 comes next.' },
    });
    await value('media.uploadPart', { uploadId: first.uploadId, index: 0, dataBase64: parts[0] });
    expect(await call('media.uploadFinish', { uploadId: first.uploadId })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: `"anim.gif" is incomplete: ${half} of ${gif.length} bytes arrived.` },
    });

    const short = await value<{ uploadId: string }>('media.uploadStart', { name: 'liar.gif', bytes: half });
    await value('media.uploadPart', { uploadId: short.uploadId, index: 0, dataBase64: parts[0] });
    expect(await call('media.uploadPart', { uploadId: short.uploadId, index: 1, dataBase64: parts[1] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    // Dropped: nothing more can be added to it.
    expect(await call('media.uploadFinish', { uploadId: short.uploadId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('media.uploadStart', { name: 'huge.mov', bytes: 200_000_000 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await call('media.uploadPart', { uploadId: 'not-an-id', index: 0, dataBase64: parts[0] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await value<MediaAssetSummary[]>('media.list', {})).toEqual([]);
  });

  it('counts SMS segments for the inspector', async () => {
    expect(await value('sms.segments', { text: 'Hi ☃' })).toMatchObject({ encoding: 'UCS-2', segments: 1, nonGsmCharacters: ['☃'] });
  });
});

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'postcard.mjs'), ...args], { cwd, env: { ...process.env, POSTCARD_DATA_DIR: join(cwd, 'data') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('postcard media optimize / sms segments', () => {
  it('writes a rendition and prints one JSON line; refuses a bomb with one line and a non-zero exit', async () => {
    await writeFile(join(dataDir, 'photo.jpg'), await fx.photoJpeg(2400, 1600, 8));
    await writeFile(join(dataDir, 'bomb.png'), fx.bombPng());
    const done = await cli(['media', 'optimize', 'photo.jpg', '--max-bytes', '250000', '--max-width', '800', '--max-height', '800', '--out', 'out.jpg'], dataDir);
    expect(done.code).toBe(0);
    const line = JSON.parse(done.stdout.trim()) as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(['bytes', 'frames', 'height', 'mime', 'ssim', 'width']);
    expect(line).toMatchObject({ mime: 'image/jpeg', width: 800, height: 533, frames: 1 });
    // The similarity of what was chosen to the source, reported with every still.
    expect(line.ssim).toBeGreaterThan(0.95);
    expect(line.ssim).toBeLessThanOrEqual(1);
    const written = await readFile(join(dataDir, 'out.jpg'));
    expect(written.length).toBe(line.bytes);
    expect(written.length).toBeLessThanOrEqual(250_000);
    const refused = await cli(['media', 'optimize', 'bomb.png', '--profile', 'international', '--out', 'bomb-out.png'], dataDir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('MEDIA_TOO_MANY_PIXELS');
    expect(existsSync(join(dataDir, 'bomb-out.png'))).toBe(false);
    const segments = await cli(['sms', 'segments', 'Price: 10€ {today}', '--json'], dataDir);
    expect(JSON.parse(segments.stdout)).toEqual({ encoding: 'GSM-7', segments: 1, characters: 21 });
  });

  it('optimises a batch into a folder', async () => {
    await writeFile(join(dataDir, 'a.gif'), await fx.animatedGif({ frames: 4 }));
    await writeFile(join(dataDir, 'b.png'), await fx.transparentPng(300, 200));
    const done = await cli(['media', 'optimize', 'a.gif', 'b.png', '--profile', 'us-toll-free', '--out-dir', 'renditions'], dataDir);
    expect(done.code).toBe(0);
    const lines = done.stdout.trim().split('\n').map((text) => JSON.parse(text) as { mime: string; frames: number; out: string });
    expect(lines.map((line) => [line.mime, line.frames])).toEqual([['image/gif', 4], ['image/png', 1]]);
    for (const line of lines) expect(existsSync(line.out)).toBe(true);
  });
});
