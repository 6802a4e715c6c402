import sharp, { type SharpOptions } from 'sharp';
import type { OutputMime } from '../../shared/media/types';
import { firstLine, mediaError } from './errors';
import type { MediaLimits } from './limits';
import { sharpInputOptions, type MediaProbe } from './probe';
import { ssimOfPixels } from './similarity';
import { fitInside, type RenditionTarget } from './target';

/** An encoded rendition, before it is stored. */
export interface EncodedMedia {
  buffer: Buffer;
  mime: OutputMime;
  width: number;
  height: number;
  frames: number;
  durationMs: number | null;
  /** JPEG quality, or palette size for PNG/GIF; null for video and lossless PNG. */
  quality: number | null;
  /**
   * Stills: SSIM of the rendition against the original at the rendition's size (ssim.js
   * defaults; 1 is identical); null where it is not measured (animations, video).
   */
  ssim: number | null;
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

/** Below these, blocking shows; the picture is scaled down instead. */
const PHOTO_MIN_QUALITY = 62;
const GRAPHIC_MIN_QUALITY = 76;
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

/**
 * JPEG settings, chosen by measurement against the SSIM the benchmark reports: the standard
 * (Annex K) quantisation tables score higher per byte than mozjpeg's default (table 3, tuned for
 * the eye at low qualities), with optimised Huffman codes. Baseline, not progressive: some
 * carriers' MMS gateways and older handsets re-encode or refuse progressive JPEG, and the few
 * per cent progressive saves would cost a second encode of every rendition. Trellis quantisation
 * (`mozjpeg: true`) would save a little more but costs several times the encode time.
 */
const encodeJpeg = (image: RawImage, quality: number, chroma: '4:2:0' | '4:4:4'): Promise<Buffer> =>
  sharp(image.data, rawInput(image))
    .jpeg({ quality, chromaSubsampling: chroma, optimiseCoding: true, overshootDeringing: chroma === '4:4:4' })
    .toBuffer();

type JpegSearch = { buffer: Buffer; quality: number } | { buffer: null; bytesAtFloor: number };

/** libjpeg's quality → quantisation scale (percent of the standard tables); file size follows it smoothly. */
const scaleOf = (quality: number): number => (quality < 50 ? 5000 / quality : 200 - 2 * quality);

/**
 * The largest JPEG quality from `minQuality` to 100 that fits. Size falls smoothly as the
 * quantisation scale grows, close to a straight line in log–log, so each guess interpolates
 * between the nearest quality known to fit and the nearest known not to (regula falsi): usually
 * 3–5 encodes where a bisection of 1–100 takes 7.
 */
async function searchJpeg(image: RawImage, maxBytes: number, minQuality: number, chroma: '4:2:0' | '4:4:4'): Promise<JpegSearch> {
  const top = await encodeJpeg(image, 100, chroma);
  if (top.length <= maxBytes) return { buffer: top, quality: 100 };
  const x = (quality: number) => Math.log(scaleOf(quality) + 1);
  const y = Math.log(maxBytes);
  let over = { quality: 100, bytes: top.length };
  let fits: { quality: number; buffer: Buffer } | null = null;
  // The last two points measured; before the second, assume the usual slope (size ∝ scale^-0.7).
  let previous = { x: x(minQuality), y: Math.log(top.length) - 0.7 * (x(minQuality) - x(100)) };
  let latest = { x: x(100), y: Math.log(top.length) };
  let lastFit = false;
  let sameSide = 1;
  while (over.quality - (fits?.quality ?? minQuality - 1) > 1) {
    const floor = fits ? fits.quality + 1 : minQuality;
    let quality: number;
    if (sameSide >= 2) {
      // Interpolation can creep up on the answer from one side; then bisect the bracket.
      quality = Math.round((floor - 1 + over.quality) / 2);
    } else {
      const slope = latest.x === previous.x ? -0.7 : (latest.y - previous.y) / (latest.x - previous.x);
      const scale = Math.exp(latest.x + (y - latest.y) / (slope < 0 ? slope : -0.7)) - 1;
      quality = Math.round(scale > 100 ? 5000 / scale : (200 - scale) / 2);
    }
    quality = Math.min(over.quality - 1, Math.max(floor, quality));
    const buffer = await encodeJpeg(image, quality, chroma);
    const isFit = buffer.length <= maxBytes;
    sameSide = isFit === lastFit ? sameSide + 1 : 1;
    lastFit = isFit;
    previous = latest;
    latest = { x: x(quality), y: Math.log(buffer.length) };
    if (isFit) {
      fits = { quality, buffer };
    } else {
      over = { quality, bytes: buffer.length };
      if (quality === minQuality) return { buffer: null, bytesAtFloor: buffer.length };
    }
  }
  if (!fits) return { buffer: null, bytesAtFloor: over.bytes };
  return fits;
}


/** How much smaller to make the picture when the lowest acceptable quality is still too big. */
function shrinkStep(image: RawImage, maxBytes: number, bytes: number): { width: number; height: number } {
  // Bytes scale roughly with the pixel count, so the side scales with the square root.
  const scale = Math.min(0.92, Math.max(0.5, Math.sqrt(maxBytes / bytes) * 0.95));
  return { width: Math.round(image.width * scale), height: Math.round(image.height * scale) };
}

const overBudget = (maxBytes: number) =>
  mediaError('MEDIA_OVER_BUDGET', `No acceptable rendition of this image fits ${Math.round(maxBytes / 1000)} KB.`, { maxBytes });

const scaledNote = (image: RawImage) => `scaled to ${image.width}×${image.height} to fit the budget`;

async function fitJpeg(box: RawImage, maxBytes: number, isGraphic: boolean): Promise<Candidate> {
  // SSIM, like the eye, weighs brightness far above colour: full-resolution colour is kept for
  // graphics only, where coloured text would otherwise blur.
  const chroma = isGraphic ? '4:4:4' : '4:2:0';
  const minQuality = isGraphic ? GRAPHIC_MIN_QUALITY : PHOTO_MIN_QUALITY;
  let image = box;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const found = await searchJpeg(image, maxBytes, minQuality, chroma);
    if (found.buffer !== null) return { buffer: found.buffer, mime: 'image/jpeg', image, quality: found.quality, notes: image === box ? [] : [scaledNote(image)] };
    const next = shrinkStep(image, maxBytes, found.bytesAtFloor);
    if (next.width < MIN_EDGE || next.height < MIN_EDGE) break;
    image = await resizeRaw(box, next.width, next.height);
  }
  throw overBudget(maxBytes);
}

/** Truecolour PNG, every pixel exact: nothing scores higher where it fits. */
const encodeLosslessPng = (image: RawImage): Promise<Buffer> =>
  sharp(image.data, rawInput(image)).png().toBuffer();

const encodePng = (image: RawImage, colours: number, dither: number): Promise<Buffer> =>
  sharp(image.data, rawInput(image)).png({ palette: true, colours, dither, effort: 4 }).toBuffer();

/** Palette PNG: near-exact for flat graphics, and the only way to keep transparency small. */
async function fitPng(box: RawImage, maxBytes: number, options: { dither: number; mayReduce: boolean }): Promise<Candidate | null> {
  const palettes = options.mayReduce ? [256, 128, 64] : [256];
  let image = box;
  for (let attempt = 0; attempt < (options.mayReduce ? 10 : 1); attempt += 1) {
    let smallest = Number.POSITIVE_INFINITY;
    for (const colours of palettes) {
      const buffer = await encodePng(image, colours, options.dither);
      if (buffer.length <= maxBytes) {
        const notes = image === box ? [] : [scaledNote(image)];
        if (colours < 256) notes.push(`palette reduced to ${colours} colours`);
        return { buffer, mime: 'image/png', image, quality: colours, notes };
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

/** One encoding that fits, before it is chosen. */
interface Candidate {
  buffer: Buffer;
  mime: 'image/jpeg' | 'image/png';
  /** The pixels it encodes (the box, or a smaller copy of it). */
  image: RawImage;
  quality: number | null;
  notes: string[];
}

/**
 * SSIM of an encoding against the box it was made from (resized to the encoding's size): the
 * measure `bench:media` reports. Transparent pixels are judged on the target's background, as
 * a phone shows them.
 */
async function ssimOf(box: RawImage, candidate: Candidate, background: string): Promise<number> {
  const { width, height } = candidate.image;
  const seen = await sharp(candidate.buffer).flatten({ background }).removeAlpha().raw().toBuffer();
  const sameSize = width === box.width && height === box.height;
  const original =
    sameSize && box.channels === 3
      ? box.data
      : await sharp(box.data, rawInput(box)).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).flatten({ background }).removeAlpha().raw().toBuffer();
  return ssimOfPixels(original, seen, width, height, 3);
}

/**
 * One still rendition, the best that fits the budget: a lossless PNG where one fits and the
 * picture is a graphic or transparent (text stays crisp, alpha exact); otherwise the highest
 * JPEG quality that fits at full size (scaled down only below the lowest acceptable quality),
 * or a palette PNG where that scores higher (flat graphics), judged by SSIM. Transparency the
 * target cannot show is flattened onto its background colour first.
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
  const finish = (chosen: Candidate, ssimScore: number | null): EncodedMedia => ({
    buffer: chosen.buffer,
    mime: chosen.mime,
    width: chosen.image.width,
    height: chosen.image.height,
    frames: 1,
    durationMs: null,
    quality: chosen.quality,
    ssim: ssimScore,
    // The inspector lists the notes: how close the rendition is to the original, in one figure.
    notes: [...notes, ...chosen.notes, ...(ssimScore === null ? [] : [`SSIM ${ssimScore === 1 ? '1 (exact)' : ssimScore.toFixed(4)} against the original at this size`])],
  });
  if (canPng && (isGraphic || hasTransparency)) {
    const buffer = await encodeLosslessPng(box);
    if (buffer.length <= target.maxBytes) return finish({ buffer, mime: 'image/png', image: box, quality: null, notes: [] }, 1);
  }
  const candidates: Candidate[] = [];
  if (keepAlpha || !canJpeg) {
    const png = await fitPng(box, target.maxBytes, { dither: isGraphic ? 0 : 1, mayReduce: true });
    if (png) candidates.push(png);
  } else {
    if (isGraphic && canPng) {
      const png = await fitPng(box, target.maxBytes, { dither: 0, mayReduce: false });
      if (png) candidates.push(png);
    }
    candidates.push(await fitJpeg(box, target.maxBytes, isGraphic));
  }
  let best: { candidate: Candidate; score: number } | null = null;
  for (const candidate of candidates) {
    const score = await ssimOf(box, candidate, target.background);
    // A graphic keeps its PNG unless the JPEG is clearly better: PNG edges stay sharp on a phone.
    const margin = isGraphic && candidate.mime === 'image/jpeg' ? 0.002 : 0;
    if (!best || score > best.score + margin) best = { candidate, score };
  }
  return finish(best!.candidate, best!.score);
}
