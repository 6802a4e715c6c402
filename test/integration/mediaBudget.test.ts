import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { getProfile, type ProfileId } from '../../src/shared/media/profiles';
import { decodeStill } from '../../src/main/media/image';
import { DEFAULT_MEDIA_LIMITS } from '../../src/main/media/limits';
import { optimizeBytes } from '../../src/main/media/optimize';
import { probeMedia } from '../../src/main/media/probe';
import { targetFromProfile, type RenditionTarget } from '../../src/main/media/target';
import * as fx from '../fixtures/media/generate';
import { ssimAgainstOriginal } from '../fixtures/media/quality';

const video = { ffmpegPath: null };
const target = (id: ProfileId): RenditionTarget => targetFromProfile(getProfile(id));
const withBudget = (maxBytes: number): RenditionTarget => ({ ...target('mms-default'), maxBytes });

describe('still images use the budget they are given', () => {
  let photo: Buffer;
  beforeAll(async () => {
    photo = await fx.photoJpeg(3000, 2000, 21, 0.4);
  });

  it('a larger budget gives a larger, better JPEG at the same phone size, and the SSIM it reports is the one measured', async () => {
    const budgets = [300_000, 600_000, 1_000_000];
    const renditions = [];
    for (const budget of budgets) renditions.push(await optimizeBytes(photo, withBudget(budget), { video }));
    renditions.forEach((rendition, index) => {
      expect(rendition.mime).toBe('image/jpeg');
      expect([rendition.width, rendition.height]).toEqual([1280, 853]);
      expect(rendition.buffer.length).toBeLessThanOrEqual(budgets[index]!);
      // Within a few per cent of the budget: the search stops at the largest quality that fits.
      expect(rendition.buffer.length).toBeGreaterThan(budgets[index]! * 0.85);
    });
    expect(renditions[0]!.quality).toBeLessThan(renditions[1]!.quality!);
    expect(renditions[1]!.quality).toBeLessThan(renditions[2]!.quality!);
    expect(renditions[0]!.ssim).toBeLessThan(renditions[1]!.ssim!);
    expect(renditions[1]!.ssim).toBeLessThanOrEqual(renditions[2]!.ssim!);
    for (const rendition of renditions) {
      expect(Math.abs(rendition.ssim! - (await ssimAgainstOriginal(photo, rendition.buffer)))).toBeLessThan(0.001);
    }
  });

  it('stops at the largest JPEG quality that fits, at every budget from tight to roomy', async () => {
    // The same pixels and encoder settings as the pipeline's, so a quality's size can be checked.
    const probe = await probeMedia(photo, DEFAULT_MEDIA_LIMITS, video);
    const box = await decodeStill(photo, probe, DEFAULT_MEDIA_LIMITS, { width: 1280, height: 1280 });
    const sizeAt = async (quality: number) =>
      (await sharp(box.data, { raw: { width: box.width, height: box.height, channels: box.channels } }).jpeg({ quality, chromaSubsampling: '4:2:0', optimiseCoding: true }).toBuffer()).length;
    const qualities = new Set<number>();
    for (const budget of [280_000, 350_000, 420_000, 500_000, 640_000, 800_000, 950_000]) {
      const rendition = await optimizeBytes(photo, withBudget(budget), { video });
      expect(rendition).toMatchObject({ mime: 'image/jpeg', width: 1280, height: 853 });
      const quality = rendition.quality!;
      qualities.add(quality);
      expect(await sizeAt(quality)).toBe(rendition.buffer.length);
      expect(rendition.buffer.length).toBeLessThanOrEqual(budget);
      if (quality < 100) expect(await sizeAt(quality + 1)).toBeGreaterThan(budget);
    }
    expect(qualities.size).toBe(7);
  });

  it('goes all the way to quality 100 where that fits', async () => {
    const small = await fx.photoJpeg(800, 600, 22, 0.3);
    const rendition = await optimizeBytes(small, withBudget(2_000_000), { video });
    expect(rendition).toMatchObject({ mime: 'image/jpeg', quality: 100, width: 800, height: 600 });
  });

  it('a feathered cut-out photo goes as an exact PNG where one fits, flattened for MMS, instead of a palette or JPEG copy', async () => {
    const cutOut = await fx.softAlphaPhotoPng(600, 450);
    const mms = await optimizeBytes(cutOut, withBudget(1_000_000), { video });
    expect(mms).toMatchObject({ mime: 'image/png', quality: null, ssim: 1, width: 600, height: 450 });
    expect((await sharp(mms.buffer).metadata()).hasAlpha).toBe(false);
    expect(await ssimAgainstOriginal(cutOut, mms.buffer)).toBe(1);
    // Where an exact PNG does not fit, the best of a palette PNG and a JPEG, both under budget.
    const tight = await optimizeBytes(cutOut, withBudget(120_000), { video });
    expect(tight.buffer.length).toBeLessThanOrEqual(120_000);
    expect(tight.ssim).toBeGreaterThan(0.95);
    expect(Math.abs(tight.ssim! - (await ssimAgainstOriginal(cutOut, tight.buffer)))).toBeLessThan(0.001);
    // At phone size the exact PNG is a few megabytes: kept where the budget holds it, never tried past it.
    const large = await fx.softAlphaPhotoPng(1200, 900);
    const roomy = await optimizeBytes(large, withBudget(6_000_000), { video });
    expect(roomy).toMatchObject({ mime: 'image/png', quality: null, ssim: 1, width: 1200, height: 900 });
    const photoSized = await optimizeBytes(large, withBudget(600_000), { video });
    expect(photoSized).toMatchObject({ mime: 'image/jpeg', width: 1200, height: 900 });
    expect(photoSized.buffer.length).toBeLessThanOrEqual(600_000);
    expect(photoSized.buffer.length).toBeGreaterThan(600_000 * 0.85);
  });

  it('keeps small type as an exact PNG where it fits, and says how close what it chose is where not', async () => {
    const flyer = await fx.textFlyerPng();
    const roomy = await optimizeBytes(flyer, target('us-long-code'), { video });
    expect(roomy).toMatchObject({ mime: 'image/png', ssim: 1 });
    expect(await ssimAgainstOriginal(flyer, roomy.buffer)).toBe(1);
    const tight = await optimizeBytes(flyer, target('international'), { video });
    expect(tight.buffer.length).toBeLessThanOrEqual(getProfile('international').budgetBytes);
    expect(tight.ssim).toBeGreaterThan(0.9);
    expect(tight.ssim).toBeLessThan(1);
  });

  it('gives a graphic saved with an alpha channel it never uses exactly the rendition it gets without one', async () => {
    const flyer = await fx.textFlyerPng();
    const withoutAlpha = await sharp(flyer).removeAlpha().png().toBuffer();
    expect((await sharp(flyer).metadata()).hasAlpha).toBe(true);
    // Roomy (an exact PNG), tight (a palette PNG or a JPEG, chosen by SSIM) and scaled down to fit.
    for (const budget of [1_000_000, 300_000, 60_000]) {
      const [opaque, plain] = [await optimizeBytes(flyer, withBudget(budget), { video }), await optimizeBytes(withoutAlpha, withBudget(budget), { video })];
      expect(opaque.buffer.equals(plain.buffer)).toBe(true);
      expect(opaque).toMatchObject({ mime: plain.mime, width: plain.width, height: plain.height, quality: plain.quality, ssim: plain.ssim });
      expect(opaque.buffer.length).toBeLessThanOrEqual(budget);
    }
  });

  it('treats a single-frame GIF as a still', async () => {
    const gif = await sharp(fx.photoRaw(900, 600, 23, 0.5), { raw: { width: 900, height: 600, channels: 3 } }).gif().toBuffer();
    const rendition = await optimizeBytes(gif, target('mms-default'), { video });
    expect(rendition.frames).toBe(1);
    expect(['image/jpeg', 'image/png']).toContain(rendition.mime);
    expect(rendition.ssim).toBeGreaterThan(0.95);
  });
});

describe('animations', () => {
  it('keep every frame where the budget allows, and say which they dropped where it does not', async () => {
    const gif = await fx.animatedGif({ width: 240, height: 240, frames: 24, delayMs: 100, isPhotographic: true });
    const roomy = await optimizeBytes(gif, withBudget(5_000_000), { video });
    expect(roomy).toMatchObject({ mime: 'image/gif', frames: 24, durationMs: 2400 });
    expect(roomy.notes.join(' ')).not.toMatch(/dropped/);
    const tight = await optimizeBytes(gif, withBudget(60_000), { video });
    expect(tight.buffer.length).toBeLessThanOrEqual(60_000);
    expect(tight.frames).toBeGreaterThan(1);
    expect(tight.frames).toBeLessThan(24);
    expect(tight.durationMs).toBe(2400);
    expect(tight.notes.join(' ')).toContain(`${24 - tight.frames} of 24 frames dropped to fit the budget`);
  }, 120_000);
});
