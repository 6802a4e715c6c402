import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaImportResult, MediaRendition } from '../../src/shared/api/media';
import type { ApiResult } from '../../src/shared/api/result';
import { getProfile, type ProfileId } from '../../src/shared/media/profiles';
import { openPostcard, type Postcard } from '../../src/main/app';
import { DEFAULT_MEDIA_LIMITS } from '../../src/main/media/limits';
import { optimizeBytes } from '../../src/main/media/optimize';
import { probeMedia } from '../../src/main/media/probe';
import { targetFromProfile } from '../../src/main/media/target';
import * as fx from '../fixtures/media/generate';
import { HEIC_LOGO, HEIC_PATCH, HEIC_PHOTO, heicClaiming, heicLogo, heicPhoto } from '../fixtures/media/heic/fixtures';
import { refusal } from '../fixtures/media/refusal';
import { meanColour } from '../fixtures/media/quality';

const video = { ffmpegPath: null };
const target = (id: ProfileId) => targetFromProfile(getProfile(id));


const near = (actual: readonly number[], expected: readonly number[], tolerance: number) =>
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(tolerance));

describe('HEIC photos (HEVC, as an iPhone takes them)', () => {
  let photo: Buffer;
  beforeAll(async () => {
    photo = await heicPhoto();
  });

  it('reads the size from the container and refuses a bomb before decoding', async () => {
    const probe = await probeMedia(photo, DEFAULT_MEDIA_LIMITS, video);
    expect(probe).toMatchObject({ kind: 'image', format: 'heic', width: HEIC_PHOTO.width, height: HEIC_PHOTO.height, frames: 1, hasAlpha: false });
    const bomb = await heicClaiming(60_000, 60_000);
    expect(await refusal(probeMedia(bomb, DEFAULT_MEDIA_LIMITS, video))).toBe('MEDIA_TOO_MANY_PIXELS');
    expect(await refusal(optimizeBytes(bomb, target('mms-default'), { video }))).toBe('MEDIA_TOO_MANY_PIXELS');
  });

  it('refuses a damaged or empty HEIC by name', async () => {
    expect(await refusal(optimizeBytes(fx.truncated(photo, 0.4), target('mms-default'), { video }))).toBe('MEDIA_CORRUPT');
    expect(await refusal(optimizeBytes(fx.heicHeader(), target('mms-default'), { video }))).toBe('MEDIA_CORRUPT');
  });

  it('becomes an MMS JPEG within the budget: phone size, sRGB colours, no GPS or camera tags', async () => {
    const within = target('mms-default');
    const rendition = await optimizeBytes(photo, within, { video });
    expect(rendition.mime).toBe('image/jpeg');
    expect(rendition.buffer.length).toBeLessThanOrEqual(within.maxBytes);
    expect([rendition.width, rendition.height]).toEqual([1280, 960]);
    const metadata = await sharp(rendition.buffer).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1280, 960]);
    expect(metadata.exif).toBeUndefined();
    expect(metadata.xmp).toBeUndefined();
    // The photo is stored in Display P3; read as sRGB without its profile, the red patch would be
    // about 12 levels off in red. Converted, both patches keep their sRGB colours.
    const patch = Math.floor((HEIC_PATCH * 1280) / HEIC_PHOTO.width) - 20;
    near(await meanColour(rendition.buffer, { left: 10, top: 10, width: patch, height: patch }), fx.QUADRANT_COLOURS.topLeft, 5);
    near(await meanColour(rendition.buffer, { left: 1280 - patch - 10, top: 960 - patch - 10, width: patch, height: patch }), fx.QUADRANT_COLOURS.bottomLeft, 5);
  });

  it('keeps a HEIC logo transparent where the target shows alpha, and flattens it where not', async () => {
    const logo = await heicLogo();
    const rcs = await optimizeBytes(logo, target('rcs'), { video });
    expect(rcs.mime).toBe('image/png');
    expect([rcs.width, rcs.height]).toEqual([HEIC_LOGO.width, HEIC_LOGO.height]);
    const corner = await sharp(rcs.buffer).extract({ left: 0, top: 0, width: 20, height: 20 }).raw().toBuffer({ resolveWithObject: true });
    expect(corner.info.channels).toBe(4);
    expect(Math.max(...corner.data.filter((_, index) => index % 4 === 3))).toBeLessThan(10);
    const mms = await optimizeBytes(logo, target('mms-default'), { video });
    expect(mms.notes.join(' ')).toMatch(/transparency flattened onto #ffffff/);
    near(await meanColour(mms.buffer, { left: 0, top: 0, width: 20, height: 20 }), [255, 255, 255], 2);
  });
});

describe('a creative team drops an iPhone photo into the library', () => {
  let dataDir: string;
  let postcard: Postcard;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'postcard-heic-'));
    postcard = await openPostcard({ dataDir, seedSamples: false });
  });
  afterAll(async () => {
    postcard.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const value = async <T>(method: string, input: unknown): Promise<T> => {
    const result = (await postcard.dispatch(method, input, { transport: 'ipc' })) as ApiResult<T>;
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
    return result.value;
  };

  it('imports it as HEIC with a thumbnail and renders the MMS for the send profile', async () => {
    const photo = await heicPhoto();
    const { asset } = await value<MediaImportResult>('media.import', { source: 'upload', name: 'IMG_0042.HEIC', dataBase64: photo.toString('base64') });
    expect(asset).toMatchObject({ kind: 'image', format: 'heic', width: HEIC_PHOTO.width, height: HEIC_PHOTO.height, name: 'IMG_0042.HEIC' });
    const thumbnail = await sharp(Buffer.from(asset.thumbnail.slice(asset.thumbnail.indexOf(',') + 1), 'base64')).metadata();
    expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['webp', 256, 192]);
    const rendition = await value<MediaRendition>('media.render', { id: asset.id, profileId: 'us-long-code', includeData: true });
    expect(rendition).toMatchObject({ mime: 'image/jpeg', width: 1280, height: 960, fitsBudget: true });
    expect(rendition.bytes).toBeLessThanOrEqual(getProfile('us-long-code').budgetBytes);
    const bytes = Buffer.from(rendition.dataUrl!.slice(rendition.dataUrl!.indexOf(',') + 1), 'base64');
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
  });
});
