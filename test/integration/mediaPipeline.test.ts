import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProfile, type ProfileId } from '../../src/shared/media/profiles';
import type { EncodedMedia } from '../../src/main/media/image';
import { DEFAULT_MEDIA_LIMITS } from '../../src/main/media/limits';
import { optimizeBytes, optimizeFile } from '../../src/main/media/optimize';
import { targetFromProfile, type RenditionTarget } from '../../src/main/media/target';
import { resolveFfmpegPath } from '../../src/main/media/video';
import * as fx from '../fixtures/media/generate';
import { refusal } from '../fixtures/media/refusal';
import { meanColour, ssimAgainstOriginal } from '../fixtures/media/quality';

const ffmpegPath = resolveFfmpegPath();
const video = { ffmpegPath };
const run = promisify(execFile);
const target = (id: ProfileId, background?: string): RenditionTarget => targetFromProfile(getProfile(id), background);


/** Every rendition: a valid file of its declared type, under budget, inside the box, no metadata. */
async function expectValid(rendition: EncodedMedia, within: RenditionTarget) {
  expect(rendition.buffer.length).toBeLessThanOrEqual(within.maxBytes);
  if (rendition.mime === 'video/mp4') return;
  const metadata = await sharp(rendition.buffer, { animated: true }).metadata();
  expect(`image/${metadata.format}`).toBe(rendition.mime);
  expect(metadata.width).toBe(rendition.width);
  expect(metadata.pageHeight ?? metadata.height).toBe(rendition.height);
  expect(metadata.pages ?? 1).toBe(rendition.frames);
  expect(rendition.width).toBeLessThanOrEqual(within.maxWidth);
  expect(rendition.height).toBeLessThanOrEqual(within.maxHeight);
  expect(metadata.exif).toBeUndefined();
  expect(metadata.xmp).toBeUndefined();
  expect(metadata.iptc).toBeUndefined();
  return metadata;
}

const near = (actual: readonly number[], expected: readonly number[], tolerance: number) => {
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(tolerance));
};

describe('still images', () => {
  let photo: Buffer;
  beforeAll(async () => {
    photo = await fx.photoJpeg(3000, 2000, 11, 0.8);
  });

  it.each(['international', 'mms-default', 'us-long-code', 'whatsapp'] as const)('fits a phone photo into %s as a JPEG that still looks like the photo', async (id) => {
    const within = target(id);
    const rendition = await optimizeBytes(photo, within, { video });
    await expectValid(rendition, within);
    expect(rendition.mime).toBe('image/jpeg');
    expect(Math.max(rendition.width, rendition.height)).toBeGreaterThanOrEqual(900);
    expect(await ssimAgainstOriginal(photo, rendition.buffer)).toBeGreaterThanOrEqual(0.95);
  });

  it('searches quality downwards before it downscales, and never upscales', async () => {
    const roomy = await optimizeBytes(photo, { ...target('mms-default'), maxBytes: 2_000_000 }, { video });
    const tight = await optimizeBytes(photo, { ...target('mms-default'), maxBytes: 200_000 }, { video });
    expect(roomy.quality).toBeGreaterThan(tight.quality ?? 0);
    expect(tight.buffer.length).toBeLessThanOrEqual(200_000);
    const small = await fx.photoJpeg(400, 300, 2);
    const kept = await optimizeBytes(small, target('us-long-code'), { video });
    expect([kept.width, kept.height]).toEqual([400, 300]);
  });

  it('keeps flat graphics with text as PNG, sharp', async () => {
    const graphic = await fx.graphicPng(1600, 1600);
    const within = target('mms-default');
    const rendition = await optimizeBytes(graphic, within, { video });
    await expectValid(rendition, within);
    expect(rendition.mime).toBe('image/png');
    expect(await ssimAgainstOriginal(graphic, rendition.buffer)).toBeGreaterThanOrEqual(0.97);
  });

  it('flattens transparency onto the chosen background where the target cannot keep it', async () => {
    const logo = await fx.transparentPng(1000, 800);
    const white = await optimizeBytes(logo, target('mms-default'), { video });
    const magenta = await optimizeBytes(logo, target('mms-default', '#ff00ff'), { video });
    for (const rendition of [white, magenta]) {
      const metadata = await expectValid(rendition, target('mms-default'));
      expect(metadata?.hasAlpha).toBe(false);
    }
    near(await meanColour(white.buffer, { left: 0, top: 0, width: 40, height: 40 }), [255, 255, 255], 2);
    near(await meanColour(magenta.buffer, { left: 0, top: 0, width: 40, height: 40 }), [255, 0, 255], 2);
    // The logo itself survives: orange in the middle of the circle.
    near(await meanColour(white.buffer, { left: 480, top: 200, width: 40, height: 40 }), [255, 107, 0], 12);
  });

  it('keeps transparency where the target shows it (RCS)', async () => {
    const logo = await fx.transparentPng(1000, 800);
    const rendition = await optimizeBytes(logo, target('rcs'), { video });
    expect(rendition.mime).toBe('image/png');
    const { data, info } = await sharp(rendition.buffer).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(data[3]).toBe(0);
  });

  it.each([3, 6, 8] as const)('turns a photo stored with EXIF orientation %i upright and drops its GPS and camera tags', async (orientation) => {
    const stored = await fx.orientedJpeg(orientation);
    const before = await sharp(stored).metadata();
    expect(before.orientation).toBe(orientation);
    expect(before.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // the GPS IFD pointer (0x8825, little-endian)
    expect(before.exif?.includes(Buffer.from('AcmeCam'))).toBe(true);
    const rendition = await optimizeBytes(stored, target('mms-default'), { video });
    const metadata = await expectValid(rendition, target('mms-default'));
    expect([rendition.width, rendition.height]).toEqual([600, 400]);
    expect(metadata?.orientation).toBeUndefined();
    expect(rendition.buffer.includes(Buffer.from('AcmeCam'))).toBe(false);
    near(await meanColour(rendition.buffer, { left: 20, top: 20, width: 100, height: 100 }), fx.QUADRANT_COLOURS.topLeft, 12);
    near(await meanColour(rendition.buffer, { left: 480, top: 20, width: 100, height: 100 }), fx.QUADRANT_COLOURS.topRight, 12);
    near(await meanColour(rendition.buffer, { left: 20, top: 280, width: 100, height: 100 }), fx.QUADRANT_COLOURS.bottomLeft, 12);
  });

  it('converts CMYK and Display P3 files to sRGB with the colours they show', async () => {
    for (const file of [await fx.cmykJpeg(), await fx.displayP3Png()]) {
      const source = await sharp(file).metadata();
      expect(['cmyk', 'srgb']).toContain(source.space);
      const rendition = await optimizeBytes(file, target('mms-default'), { video });
      const metadata = await expectValid(rendition, target('mms-default'));
      expect(metadata?.space).toBe('srgb');
      expect(metadata?.channels).toBe(3);
      // CMYK round trips through a print profile, so its tolerance is wider than P3's.
      const tolerance = source.space === 'cmyk' ? 40 : 10;
      near(await meanColour(rendition.buffer, { left: 20, top: 20, width: 100, height: 100 }), fx.QUADRANT_COLOURS.topLeft, tolerance);
      near(await meanColour(rendition.buffer, { left: 480, top: 280, width: 100, height: 100 }), fx.QUADRANT_COLOURS.bottomRight, tolerance);
    }
  });
});

describe('animations', () => {
  it('keeps a GIF animated with its timing', async () => {
    const gif = await fx.animatedGif({ frames: 12, delayMs: 80 });
    const rendition = await optimizeBytes(gif, target('international'), { video });
    const metadata = await expectValid(rendition, target('international'));
    expect(metadata?.pages).toBe(12);
    expect(metadata?.delay?.reduce((sum, delay) => sum + delay, 0)).toBe(960);
    expect(await ssimAgainstOriginal(gif, rendition.buffer)).toBeGreaterThanOrEqual(0.9);
  });

  it('squeezes a heavy photographic GIF under 300 KB and keeps it animated for as long', async () => {
    const gif = await fx.animatedGif({ width: 400, height: 400, frames: 20, delayMs: 100, isPhotographic: true });
    expect(gif.length).toBeGreaterThan(300_000);
    const within = target('international');
    const rendition = await optimizeBytes(gif, within, { video });
    const metadata = await expectValid(rendition, within);
    expect(metadata?.pages).toBeGreaterThan(1);
    expect(metadata?.delay?.reduce((sum, delay) => sum + delay, 0)).toBe(2000);
  });

  it('turns animated WebP into animated GIF, and sends only a still where the channel has no GIF', async () => {
    const webp = await fx.animatedWebp({ frames: 6 });
    const gif = await optimizeBytes(webp, target('mms-default'), { video });
    expect(gif.mime).toBe('image/gif');
    expect((await expectValid(gif, target('mms-default')))?.pages).toBe(6);
    const still = await optimizeBytes(webp, target('whatsapp'), { video });
    expect(['image/jpeg', 'image/png']).toContain(still.mime);
    expect(still.frames).toBe(1);
  });

  it('flattens one-bit GIF transparency onto the background for MMS', async () => {
    const rendition = await optimizeBytes(await fx.transparentGif(), target('mms-default'), { video });
    near(await meanColour(rendition.buffer, { left: 0, top: 0, width: 20, height: 20 }), [255, 255, 255], 2);
  });
});

describe('refused inputs', () => {
  it('refuses damaged, disguised, oversized and bomb files with stable codes, quickly', async () => {
    const photo = await fx.photoJpeg(800, 600, 5);
    const png = await fx.graphicPng(600, 600);
    expect(await refusal(optimizeBytes(fx.truncated(photo), target('mms-default'), { video }))).toBe('MEDIA_CORRUPT');
    expect(await refusal(optimizeBytes(fx.corruptJpeg(photo), target('mms-default'), { video }))).toBe('MEDIA_CORRUPT');
    expect(await refusal(optimizeBytes(fx.truncated(png), target('mms-default'), { video }))).toBe('MEDIA_CORRUPT');
    expect(await refusal(optimizeBytes(fx.bombPng(), target('mms-default'), { video }))).toBe('MEDIA_TOO_MANY_PIXELS');
    expect(await refusal(optimizeBytes(fx.bombPng(12_000, 12_000), target('mms-default'), { video }))).toBe('MEDIA_TOO_MANY_PIXELS');
    expect(await refusal(optimizeBytes(Buffer.from('%PDF-1.7\n'), target('mms-default'), { video }))).toBe('MEDIA_UNSUPPORTED');
    expect(await refusal(optimizeBytes(Buffer.from('just some text'), target('mms-default'), { video }))).toBe('MEDIA_UNSUPPORTED');
    const limits = { ...DEFAULT_MEDIA_LIMITS, maxFileBytes: 10_000 };
    expect(await refusal(optimizeBytes(photo, target('mms-default'), { video, limits }))).toBe('MEDIA_TOO_LARGE');
    expect(await refusal(optimizeBytes(photo, { ...target('mms-default'), maxBytes: 200 }, { video }))).toBe('MEDIA_OVER_BUDGET');
  });

  it('trusts the bytes, not the file name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postcard-media-'));
    try {
      const disguised = join(dir, 'photo.jpg');
      await writeFile(disguised, await fx.graphicPng(500, 500));
      const rendition = await optimizeFile(disguised, target('mms-default'), { video });
      expect(rendition.mime).toBe('image/png');
      const pdf = join(dir, 'banner.gif');
      await writeFile(pdf, '%PDF-1.4 not an image');
      expect(await refusal(optimizeFile(pdf, target('mms-default'), { video }))).toBe('MEDIA_UNSUPPORTED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!ffmpegPath)('video', () => {
  const ffmpeg = ffmpegPath!;
  let clip: Buffer;
  beforeAll(async () => {
    clip = await fx.videoClip(ffmpeg, { seconds: 3 });
  });
  const dir = mkdtemp(join(tmpdir(), 'postcard-video-test-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  async function describeMp4(bytes: Buffer): Promise<string> {
    const file = join(await dir, `probe-${bytes.length}.mp4`);
    await writeFile(file, bytes);
    const result = await run(ffmpeg, ['-hide_banner', '-i', file]).catch((error: { stderr: string }) => error);
    return result.stderr;
  }

  it.each(['mp4', 'mov'] as const)('transcodes a %s clip to H.264 baseline MP4 at 640 px within the budget, with a poster', async (format) => {
    const input = format === 'mp4' ? clip : await fx.videoClip(ffmpeg, { seconds: 2, format: 'mov' });
    const within = target('mms-default');
    const rendition = await optimizeBytes(input, within, { video });
    expect(rendition.mime).toBe('video/mp4');
    expect(rendition.buffer.length).toBeLessThanOrEqual(within.maxBytes);
    expect(rendition.width).toBe(640);
    const info = await describeMp4(rendition.buffer);
    expect(info).toMatch(/Video: h264 \(Constrained Baseline\)/);
    expect(info).toContain('640x360');
    expect(info).not.toMatch(/location/);
    expect((await sharp(rendition.poster!).metadata()).format).toBe('jpeg');
  });

  it('fits a tight budget by lowering the bitrate, and refuses what cannot fit', async () => {
    const rendition = await optimizeBytes(clip, { ...target('international'), maxBytes: 150_000 }, { video });
    expect(rendition.buffer.length).toBeLessThanOrEqual(150_000);
    expect(await refusal(optimizeBytes(clip, { ...target('international'), maxBytes: 8_000 }, { video }))).toBe('MEDIA_OVER_BUDGET');
  });

  it('refuses a damaged clip, and says so when no ffmpeg is available', async () => {
    expect(await refusal(optimizeBytes(fx.truncated(clip, 0.3), target('mms-default'), { video }))).toBe('MEDIA_CORRUPT');
    expect(await refusal(optimizeBytes(clip, target('mms-default'), { video: { ffmpegPath: null } }))).toBe('MEDIA_VIDEO_UNAVAILABLE');
  });
});
