import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { describe, expect, it } from 'vitest';
import { ssimOfPixels } from '../../src/main/media/similarity';
import * as fx from '../fixtures/media/generate';

const rgba = async (raw: Buffer, width: number, height: number) => {
  const data = await sharp(raw, { raw: { width, height, channels: 3 } }).ensureAlpha().raw().toBuffer();
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width, height };
};

describe('ssimOfPixels', () => {
  it.each([
    ['a landscape photo', 900, 660],
    ['a portrait photo at an odd size', 601, 905],
    ['a picture under 256 px (no downsampling)', 200, 150],
  ] as const)('gives ssim.js’s figure for %s', async (_, width, height) => {
    const original = fx.photoRaw(width, height, width, 0.6);
    for (const quality of [30, 85]) {
      const seen = await sharp(await sharp(original, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer()).raw().toBuffer();
      const expected = ssim(await rgba(original, width, height), await rgba(seen, width, height)).mssim;
      expect(ssimOfPixels(original, seen, width, height, 3)).toBeCloseTo(expected, 9);
    }
    expect(ssimOfPixels(original, original, width, height, 3)).toBe(1);
  }, 60_000);

  it('reads an original with an opaque alpha channel beside an RGB rendition as the same picture', async () => {
    const [width, height] = [700, 500];
    const original = fx.photoRaw(width, height, 5, 0.6);
    const withAlpha = await sharp(original, { raw: { width, height, channels: 3 } }).ensureAlpha().raw().toBuffer();
    const seen = await sharp(await sharp(original, { raw: { width, height, channels: 3 } }).jpeg({ quality: 60 }).toBuffer()).raw().toBuffer();
    const expected = ssimOfPixels(original, seen, width, height, 3);
    expect(expected).toBeLessThan(1);
    expect(ssimOfPixels(withAlpha, seen, width, height, 4, 3)).toBe(expected);
  });
});
