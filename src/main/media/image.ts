import sharp, { type SharpOptions } from 'sharp';
import type { OutputMime } from '../../shared/media/types';
import { firstLine, mediaError } from './errors';
import type { MediaLimits } from './limits';
import { sharpInputOptions, type MediaProbe } from './probe';
import { fitInside, type RenditionTarget } from './target';

/** An encoded rendition, before it is stored. */
export interface EncodedMedia {
  buffer: Buffer;
  mime: OutputMime;
  width: number;
  height: number;
  frames: number;
  durationMs: number | null;
  /** JPEG quality, or palette size for PNG/GIF; null for video. */
  quality: number | null;
  /** What was given up to fit, in words for the inspector ("scaled to 960×720", …). */
  notes: string[];
  /** Video only: a JPEG still for the preview's play badge. */
  poster?: Buffer;
}

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/**
 * JPEG quality is searched downwards from here. Above ~90 files grow fast for differences no
 * one sees on a phone, and every byte is download time for the recipient.
 */
export const JPEG_MAX_QUALITY = 90;
/** Below these, blocking shows; the picture is scaled down instead. */
const PHOTO_MIN_QUALITY = 62;
const GRAPHIC_MIN_QUALITY = 76;
/** Aim this far under the budget when predicting sizes, so the check after encoding rarely fails. */
const PREDICTION_MARGIN = 0.97;
const MIN_EDGE = 16;

const rawInput = (image: RawImage): SharpOptions => ({
  raw: { width: image.width, height: image.height, channels: image.channels },
});

/**
 * Decodes a still at its display size: EXIF orientation applied, ICC/CMYK converted to sRGB,
 * fitted into the box (never enlarged). Every later step starts from these pixels.
 */
export async function decodeStill(bytes: Buffer, probe: MediaProbe, limits: MediaLimits, box: { width: number; height: number }): Promise<RawImage> {
  const size = fitInside(probe.width, probe.height, box.width, box.height);
  try {
    const { data, info } = await sharp(bytes, { ...sharpInputOptions(limits), autoOrient: true })
      .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb({ data, width: info.width, height: info.height, channels: info.channels });
  } catch (error) {
    throw decodeFailure(error);
  }
}

export const decodeFailure = (error: unknown) => {
  const reason = firstLine(error);
  if (/pixel limit/i.test(reason)) return mediaError('MEDIA_TOO_MANY_PIXELS', 'The image has more pixels than Postcard decodes.');
  return mediaError('MEDIA_CORRUPT', `The image is damaged or truncated and cannot be decoded (${reason}).`);
};

/** Grey and grey+alpha become RGB(A), so every encoder sees the same layout. */
function toRgb(image: { data: Buffer; width: number; height: number; channels: number }): RawImage {
  if (image.channels === 3 || image.channels === 4) return { ...image, channels: image.channels };
  const hasAlpha = image.channels === 2;
  const channels = hasAlpha ? 4 : 3;
  const pixels = image.width * image.height;
  const data = Buffer.alloc(pixels * channels);
  for (let i = 0; i < pixels; i += 1) {
    const grey = image.data[i * image.channels] ?? 0;
    data[i * channels] = grey;
    data[i * channels + 1] = grey;
    data[i * channels + 2] = grey;
    if (hasAlpha) data[i * channels + 3] = image.data[i * 2 + 1] ?? 255;
  }
  return { data, width: image.width, height: image.height, channels };
}

/** True when some pixel is visibly transparent (an alpha channel that is all 255 does not count). */
export function usesAlpha(data: Buffer, channels: number): boolean {
  if (channels !== 4) return false;
  for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 255) < 250) return true;
  return false;
}

/**
 * Flat graphics (logos, text, illustrations) are a few colours covering most of the picture;
 * photos spread over thousands. PNG keeps graphics crisp where JPEG would ring around text.
 */
export function looksLikeGraphic(image: RawImage): boolean {
  const pixels = image.width * image.height;
  const step = Math.max(1, Math.floor(pixels / 60_000));
  const counts = new Map<number, number>();
  let samples = 0;
  for (let p = 0; p < pixels; p += step) {
    const i = p * image.channels;
    const key = ((image.data[i] ?? 0) << 16) | ((image.data[i + 1] ?? 0) << 8) | (image.data[i + 2] ?? 0);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    samples += 1;
  }
  const top = [...counts.values()].sort((a, b) => b - a).slice(0, 32);
  const coverage = top.reduce((sum, count) => sum + count, 0) / samples;
  return coverage >= 0.7;
}

async function flatten(image: RawImage, background: string): Promise<RawImage> {
  const { data, info } = await sharp(image.data, rawInput(image)).flatten({ background }).raw().toBuffer({ resolveWithObject: true });
  return toRgb({ data, width: info.width, height: info.height, channels: info.channels });
}

async function resizeRaw(image: RawImage, width: number, height: number): Promise<RawImage> {
  const { data, info } = await sharp(image.data, rawInput(image))
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return toRgb({ data, width: info.width, height: info.height, channels: info.channels });
}

type JpegSearch = { buffer: Buffer; quality: number } | { buffer: null; bytesAtFloor: number };

/**
 * sharp's libjpeg is mozjpeg. Shipped files use its quantisation table 3 (tuned for the eye),
 * progressive scans and overshoot deringing (cleaner edges on text and graphics). Trellis
 * quantisation (`mozjpeg: true`) would save about 7 % more but costs four times the encode
 * time, which would break the quarter-second budget for an import on a laptop.
 */
const encodeJpeg = (image: RawImage, quality: number, isFinal: boolean, chroma: '4:2:0' | '4:4:4'): Promise<Buffer> =>
  sharp(image.data, rawInput(image))
    .jpeg(
      isFinal
        ? { quality, chromaSubsampling: chroma, quantisationTable: 3, progressive: true, optimiseCoding: true, overshootDeringing: true }
        : { quality, chromaSubsampling: chroma, quantisationTable: 3, optimiseCoding: false },
    )
    .toBuffer();

/**
 * The largest JPEG quality that fits. The binary search runs on the fast baseline encoder,
 * its sizes scaled by the final/baseline ratio measured at the top quality; only the chosen
 * quality is encoded with the final settings (and checked against the budget).
 */
async function searchJpeg(image: RawImage, maxBytes: number, minQuality: number, chroma: '4:2:0' | '4:4:4'): Promise<JpegSearch> {
  const best = await encodeJpeg(image, JPEG_MAX_QUALITY, true, chroma);
  if (best.length <= maxBytes) return { buffer: best, quality: JPEG_MAX_QUALITY };
  const ratio = best.length / (await encodeJpeg(image, JPEG_MAX_QUALITY, false, chroma)).length;
  let low = minQuality;
  let high = JPEG_MAX_QUALITY - 1;
  let chosen: number | null = null;
  let floorBytes = Number.POSITIVE_INFINITY;
  while (low <= high) {
    const quality = Math.floor((low + high) / 2);
    const predicted = (await encodeJpeg(image, quality, false, chroma)).length * ratio;
    if (quality === minQuality) floorBytes = predicted;
    if (predicted <= maxBytes * PREDICTION_MARGIN) {
      chosen = quality;
      low = quality + 1;
    } else {
      high = quality - 1;
    }
  }
  for (let quality = chosen ?? minQuality; quality >= minQuality; quality -= 3) {
    const buffer = await encodeJpeg(image, quality, true, chroma);
    if (buffer.length <= maxBytes) return { buffer, quality };
    floorBytes = Math.min(floorBytes, buffer.length);
    if (chosen === null) break;
  }
  if (!Number.isFinite(floorBytes)) floorBytes = (await encodeJpeg(image, minQuality, true, chroma)).length;
  return { buffer: null, bytesAtFloor: floorBytes };
}

/** How much smaller to make the picture when the lowest acceptable quality is still too big. */
function shrinkStep(image: RawImage, maxBytes: number, bytes: number): { width: number; height: number } {
  // Bytes scale roughly with the pixel count, so the side scales with the square root.
  const scale = Math.min(0.92, Math.max(0.5, Math.sqrt(maxBytes / bytes) * 0.95));
  return { width: Math.round(image.width * scale), height: Math.round(image.height * scale) };
}

const overBudget = (maxBytes: number) =>
  mediaError('MEDIA_OVER_BUDGET', `No acceptable rendition of this image fits ${Math.round(maxBytes / 1000)} KB.`, { maxBytes });

async function fitJpeg(box: RawImage, maxBytes: number, isGraphic: boolean, notes: string[]): Promise<EncodedMedia> {
  const chroma = isGraphic ? '4:4:4' : '4:2:0';
  const minQuality = isGraphic ? GRAPHIC_MIN_QUALITY : PHOTO_MIN_QUALITY;
  let image = box;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const found = await searchJpeg(image, maxBytes, minQuality, chroma);
    if (found.buffer) {
      if (image !== box) notes.push(`scaled to ${image.width}×${image.height} to fit the budget`);
      return { buffer: found.buffer, mime: 'image/jpeg', width: image.width, height: image.height, frames: 1, durationMs: null, quality: found.quality, notes };
    }
    const next = shrinkStep(image, maxBytes, found.bytesAtFloor);
    if (next.width < MIN_EDGE || next.height < MIN_EDGE) break;
    image = await resizeRaw(box, next.width, next.height);
  }
  throw overBudget(maxBytes);
}

const encodePng = (image: RawImage, colours: number, dither: number): Promise<Buffer> =>
  sharp(image.data, rawInput(image)).png({ palette: true, colours, dither, effort: 7, compressionLevel: 9 }).toBuffer();

/** Palette PNG: exact for flat graphics, and the only way to keep transparency. */
async function fitPng(box: RawImage, maxBytes: number, options: { dither: number; mayReduce: boolean }, notes: string[]): Promise<EncodedMedia | null> {
  const palettes = options.mayReduce ? [256, 128, 64] : [256];
  let image = box;
  for (let attempt = 0; attempt < (options.mayReduce ? 10 : 1); attempt += 1) {
    let smallest = Number.POSITIVE_INFINITY;
    for (const colours of palettes) {
      const buffer = await encodePng(image, colours, options.dither);
      if (buffer.length <= maxBytes) {
        if (image !== box) notes.push(`scaled to ${image.width}×${image.height} to fit the budget`);
        if (colours < 256) notes.push(`palette reduced to ${colours} colours`);
        return { buffer, mime: 'image/png', width: image.width, height: image.height, frames: 1, durationMs: null, quality: colours, notes };
      }
      smallest = Math.min(smallest, buffer.length);
    }
    if (!options.mayReduce) return null;
    const next = shrinkStep(image, maxBytes, smallest);
    if (next.width < MIN_EDGE || next.height < MIN_EDGE) break;
    image = await resizeRaw(box, next.width, next.height);
  }
  throw overBudget(maxBytes);
}

/**
 * One still rendition: PNG for flat graphics and kept transparency, JPEG for photographs;
 * transparency the target cannot show is flattened onto its background colour first.
 */
export async function renderStill(bytes: Buffer, probe: MediaProbe, target: RenditionTarget, limits: MediaLimits): Promise<EncodedMedia> {
  const notes: string[] = [];
  let box = await decodeStill(bytes, probe, limits, { width: target.maxWidth, height: target.maxHeight });
  if (box.width < probe.width) notes.push(`fitted to ${box.width}×${box.height}`);
  const canPng = target.accepts.includes('image/png');
  const canJpeg = target.accepts.includes('image/jpeg');
  if (!canPng && !canJpeg) throw mediaError('MEDIA_UNSUPPORTED', 'This target accepts no still image type.');
  const hasTransparency = usesAlpha(box.data, box.channels);
  const keepAlpha = hasTransparency && target.allowsTransparency && canPng;
  if (box.channels === 4 && !keepAlpha) {
    // JPEG has no alpha and libjpeg would drop it onto black; choose the colour explicitly.
    box = await flatten(box, target.background);
    if (hasTransparency) notes.push(`transparency flattened onto ${target.background}`);
  }
  const isGraphic = looksLikeGraphic(box);
  if (keepAlpha || !canJpeg) {
    const png = await fitPng(box, target.maxBytes, { dither: isGraphic ? 0 : 1, mayReduce: true }, notes);
    if (png) return png;
  }
  if (isGraphic && canPng) {
    const png = await fitPng(box, target.maxBytes, { dither: 0, mayReduce: false }, notes);
    if (png) return png;
  }
  return fitJpeg(box, target.maxBytes, isGraphic, notes);
}
