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
  /**
   * An alpha channel that is opaque everywhere (a graphic exported with one): every encoder
   * leaves it out as it reads the pixels, so no alpha-free copy of the picture is made.
   */
  hasOpaqueAlpha?: boolean;
}

/** Below these, blocking shows; the picture is scaled down instead. */
const PHOTO_MIN_QUALITY = 62;
/** How much higher a JPEG of a flat graphic must score than its palette PNG to be chosen instead. */
const GRAPHIC_PNG_MARGIN = 0.002;
const GRAPHIC_MIN_QUALITY = 76;
const MIN_EDGE = 16;

const rawInput = (image: RawImage): SharpOptions => ({
  raw: { width: image.width, height: image.height, channels: image.channels },
});

/** The pixels as libvips reads them for an encoder or a resize: RGB(A), an opaque alpha left out. */
const pixelsOf = (image: RawImage) => {
  const pixels = sharp(image.data, rawInput(image));
  return image.hasOpaqueAlpha ? pixels.removeAlpha() : pixels;
};

/**
 * Decodes a still at its display size: EXIF orientation applied, ICC/CMYK converted to sRGB,
 * fitted into the box (never enlarged). Every later step starts from these pixels.
 */
export async function decodeStill(bytes: Buffer, probe: MediaProbe, limits: MediaLimits, box: { width: number; height: number }): Promise<RawImage> {
  const size = fitInside(probe.width, probe.height, box.width, box.height);
  try {
    let pipeline = sharp(bytes, { ...sharpInputOptions(limits), autoOrient: true });
    // A picture already inside the box is decoded as it is: libvips would otherwise run a
    // lanczos3 pass that returns the same pixels (a graphic or a logo pays more for it than for its PNG).
    if (size.width !== probe.width || size.height !== probe.height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
    const { data, info } = await pipeline
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
  const total = Math.ceil(pixels / step);
  // Every colour beyond the 32 most common takes at least one sample outside them: once there
  // are more of those than 30 % of all samples, the answer is no (a photo, found early).
  const mostDistinct = 32 + Math.floor(total * 0.3);
  // Counted in an open-addressed table of typed arrays (a Map costs more than the sampling itself).
  const bits = Math.ceil(Math.log2(2 * (mostDistinct + 1)));
  const mask = (1 << bits) - 1;
  const keys = new Int32Array(mask + 1).fill(-1);
  const counts = new Int32Array(mask + 1);
  let distinct = 0;
  let samples = 0;
  for (let p = 0; p < pixels; p += step) {
    const i = p * image.channels;
    const key = (image.data[i]! << 16) | (image.data[i + 1]! << 8) | image.data[i + 2]!;
    let slot = Math.imul(key, 0x9e3779b1) >>> (32 - bits);
    while (keys[slot] !== key && keys[slot] !== -1) slot = (slot + 1) & mask;
    if (keys[slot] === -1) {
      keys[slot] = key;
      distinct += 1;
      if (distinct > mostDistinct) return false;
    }
    counts[slot]! += 1;
    samples += 1;
  }
  const top = counts.filter((count) => count > 0).sort().subarray(-32);
  const coverage = top.reduce((sum, count) => sum + count, 0) / samples;
  return coverage >= 0.7;
}

async function flatten(image: RawImage, background: string): Promise<RawImage> {
  const { data, info } = await sharp(image.data, rawInput(image)).flatten({ background }).raw().toBuffer({ resolveWithObject: true });
  return toRgb({ data, width: info.width, height: info.height, channels: info.channels });
}

async function resizeRaw(image: RawImage, width: number, height: number): Promise<RawImage> {
  const { data, info } = await pixelsOf(image)
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
  pixelsOf(image)
    .jpeg({ quality, chromaSubsampling: chroma, optimiseCoding: true, overshootDeringing: chroma === '4:4:4' })
    .toBuffer();

type JpegSearch = { buffer: Buffer; quality: number } | { buffer: null; bytesAtFloor: number };

/** libjpeg's quality → quantisation scale (percent of the standard tables); file size follows it smoothly. */
const scaleOf = (quality: number): number => (quality < 50 ? 5000 / quality : 200 - 2 * quality);
const qualityOf = (scale: number): number => (scale > 100 ? 5000 / scale : (200 - scale) / 2);

/**
 * JPEG size against quality, as measured on photos and graphics at phone size: the logarithm of
 * the size falls close to a straight line in log(scale + 8), with a slope of about −0.65 (−0.5
 * for noisy photos to −0.85 for text). Two encodes pin the line for a picture; the third lands
 * on, or next to, the answer.
 */
const SIZE_OFFSET = 8;
const TYPICAL_SLOPE = -0.65;
const xOf = (quality: number): number => Math.log(scaleOf(quality) + SIZE_OFFSET);
const qualityAt = (x: number): number => qualityOf(Math.max(0, Math.exp(x) - SIZE_OFFSET));
/**
 * The first guess, before anything is known of the picture but its size: where the size line
 * of a typical photo (about 4 bits a pixel at quality 90) meets the budget. Photos of any detail
 * land within a few steps of it, so the search starts next to the answer, not in the middle.
 */
const TYPICAL_BITS_PER_PIXEL_AT_90 = 4;
const firstGuess = (image: RawImage, maxBytes: number): number =>
  Math.floor(qualityAt(xOf(90) + Math.log((8 * maxBytes) / (image.width * image.height * TYPICAL_BITS_PER_PIXEL_AT_90)) / TYPICAL_SLOPE));
/** After scaling down to fit at the lowest quality with a little room, the answer lies just above it. */
const SCALED_GUESS_ABOVE_FLOOR = 6;

/**
 * A JPEG's size is the sum of its 16-row strips' (each MCU row is coded on its own but for the
 * DC prediction), so a few strips spread down the picture, encoded alone, tell what the whole
 * picture costs at a quality for a tenth of the encode: within about 1 % on photos. A photo's
 * PNG adds up the same way; a graphic's does not (a strip of text beside empty ones).
 */
const SAMPLE_STRIPS = 8;
const SAMPLE_STRIP_ROWS = 16;
/** Markers, quantisation and Huffman tables: paid once per file, not per strip. */
const JPEG_HEADER_BYTES = 600;

function sampleStrips(image: RawImage): RawImage | null {
  const rows = SAMPLE_STRIPS * SAMPLE_STRIP_ROWS;
  // On a small picture the whole encode is cheap and the strips would be most of it.
  if (image.height < 4 * rows) return null;
  const rowBytes = image.width * image.channels;
  const data = Buffer.allocUnsafe(rows * rowBytes);
  for (let strip = 0; strip < SAMPLE_STRIPS; strip += 1) {
    const middle = ((strip + 0.5) * image.height) / SAMPLE_STRIPS;
    const top = Math.floor((middle - SAMPLE_STRIP_ROWS / 2) / SAMPLE_STRIP_ROWS) * SAMPLE_STRIP_ROWS;
    image.data.copy(data, strip * SAMPLE_STRIP_ROWS * rowBytes, top * rowBytes, (top + SAMPLE_STRIP_ROWS) * rowBytes);
  }
  return { ...image, data, height: rows };
}

/**
 * The largest JPEG quality from `minQuality` to 100 that fits: the first guess is moved to where
 * the strips' estimate says the budget lies; then each guess is where the size line through the
 * nearest measurements meets the budget, rounded down, and the answer is proved by the quality
 * above it not fitting. Usually 2 encodes of the picture, where a bisection of 1–100 takes 7.
 */
async function searchJpeg(image: RawImage, maxBytes: number, minQuality: number, chroma: '4:2:0' | '4:4:4', firstGuess: number): Promise<JpegSearch> {
  const target = Math.log(maxBytes);
  const measured: { quality: number; x: number; y: number }[] = [];
  // The bracket: `fits` fits (or is below the floor), `over` does not (or is above 100).
  let fits: { quality: number; buffer: Buffer | null } = { quality: minQuality - 1, buffer: null };
  let over = { quality: 101, bytes: Number.POSITIVE_INFINITY };
  const inRange = (quality: number) => Math.max(minQuality, Math.min(100, quality));
  let quality = inRange(firstGuess);
  const sample = sampleStrips(image);
  if (sample) {
    const sampleBytes = (await encodeJpeg(sample, quality, chroma)).length;
    const estimate = JPEG_HEADER_BYTES + Math.max(1, sampleBytes - JPEG_HEADER_BYTES) * (image.height / sample.height);
    quality = inRange(Math.floor(qualityAt(xOf(quality) + (target - Math.log(estimate)) / TYPICAL_SLOPE)));
  }
  while (over.quality - fits.quality > 1) {
    const buffer = await encodeJpeg(image, quality, chroma);
    measured.push({ quality, x: xOf(quality), y: Math.log(buffer.length) });
    if (buffer.length <= maxBytes) fits = { quality, buffer };
    else over = { quality, bytes: buffer.length };
    if (over.quality - fits.quality <= 1) break;
    // The line through the two measurements nearest the budget (one alone: the typical slope).
    const [a, b] = [...measured].sort((p, q) => Math.abs(p.y - target) - Math.abs(q.y - target));
    const slope = b && b.x !== a!.x ? Math.min(-0.2, Math.max(-1.5, (b.y - a!.y) / (b.x - a!.x))) : TYPICAL_SLOPE;
    const predicted = qualityAt(a!.x + (target - a!.y) / slope);
    // Rounded down, the guess usually fits; then the quality above it, tried next, settles it.
    let next = Math.floor(predicted);
    if (next <= fits.quality) next = fits.quality + 1;
    if (next >= over.quality) next = over.quality - 1;
    quality = next;
  }
  if (fits.buffer === null) return { buffer: null, bytesAtFloor: over.bytes };
  return { buffer: fits.buffer, quality: fits.quality };
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
    const found = await searchJpeg(image, maxBytes, minQuality, chroma, image === box ? firstGuess(box, maxBytes) : minQuality + SCALED_GUESS_ABOVE_FLOOR);
    if (found.buffer !== null) return { buffer: found.buffer, mime: 'image/jpeg', image, quality: found.quality, notes: image === box ? [] : [scaledNote(image)] };
    const next = shrinkStep(image, maxBytes, found.bytesAtFloor);
    if (next.width < MIN_EDGE || next.height < MIN_EDGE) break;
    image = await resizeRaw(box, next.width, next.height);
  }
  throw overBudget(maxBytes);
}

/** Truecolour PNG, every pixel exact: nothing scores higher where it fits. */
const encodeLosslessPng = (image: RawImage): Promise<Buffer> =>
  pixelsOf(image).png().toBuffer();

const encodePng = (image: RawImage, colours: number, dither: number, effort: number): Promise<Buffer> =>
  pixelsOf(image).png({ palette: true, colours, dither, effort }).toBuffer();

/** Past this many times the budget by its strips' estimate, a photo's exact PNG is not made. */
const LOSSLESS_ESTIMATE_MARGIN = 1.5;

/**
 * False where the strips show that a photo's exact PNG (a few megabytes at phone size) cannot
 * fit; a graphic is always tried, its strips being no guide to the whole.
 */
async function mayFitLossless(image: RawImage, maxBytes: number, isGraphic: boolean): Promise<boolean> {
  const sample = isGraphic ? null : sampleStrips(image);
  if (!sample) return true;
  const estimate = (await encodeLosslessPng(sample)).length * (image.height / sample.height);
  return estimate <= maxBytes * LOSSLESS_ESTIMATE_MARGIN;
}

/** Palette PNG: near-exact for flat graphics, and the only way to keep transparency small. */
async function fitPng(box: RawImage, maxBytes: number, options: { dither: number; mayReduce: boolean }): Promise<Candidate | null> {
  const palettes = options.mayReduce ? [256, 128, 64] : [256];
  let image = box;
  for (let attempt = 0; attempt < (options.mayReduce ? 10 : 1); attempt += 1) {
    let smallest = Number.POSITIVE_INFINITY;
    for (const colours of palettes) {
      // Against a JPEG (a flat graphic), the quickest quantiser scores the same on the corpus's
      // graphics at half the time; where the palette is all there is (kept transparency), effort 4.
      const buffer = await encodePng(image, colours, options.dither, options.mayReduce ? 4 : 1);
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
  // Opaque pixels the candidate encodes (the box, or the copy of it scaled down to fit) are
  // already the original at its size: only transparent ones need flattening again.
  const isOpaque = candidate.image.channels === 3 || candidate.image.hasOpaqueAlpha === true;
  const original = isOpaque
    ? candidate.image.data
    : await sharp(box.data, rawInput(box)).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).flatten({ background }).removeAlpha().raw().toBuffer();
  return ssimOfPixels(original, seen, width, height, isOpaque ? candidate.image.channels : 3, 3);
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
    box = hasTransparency ? await flatten(box, target.background) : { ...box, hasOpaqueAlpha: true };
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
  if (canPng && (isGraphic || hasTransparency) && (await mayFitLossless(box, target.maxBytes, isGraphic))) {
    const buffer = await encodeLosslessPng(box);
    if (buffer.length <= target.maxBytes) return finish({ buffer, mime: 'image/png', image: box, quality: null, notes: [] }, 1);
  }
  let best: { candidate: Candidate; score: number } | null = null;
  if (keepAlpha || !canJpeg) {
    const png = await fitPng(box, target.maxBytes, { dither: isGraphic ? 0 : 1, mayReduce: true });
    if (png) best = { candidate: png, score: await ssimOf(box, png, target.background) };
  } else {
    if (isGraphic && canPng) {
      const png = await fitPng(box, target.maxBytes, { dither: 0, mayReduce: false });
      if (png) best = { candidate: png, score: await ssimOf(box, png, target.background) };
    }
    // A graphic keeps its PNG unless the JPEG is clearly better: PNG edges stay sharp on a phone.
    // Where the PNG scores within that margin of 1, no JPEG can be, and none is made.
    if (!best || best.score + GRAPHIC_PNG_MARGIN < 1) {
      const jpeg = await fitJpeg(box, target.maxBytes, isGraphic);
      const score = await ssimOf(box, jpeg, target.background);
      if (!best || score > best.score + GRAPHIC_PNG_MARGIN) best = { candidate: jpeg, score };
    }
  }
  return finish(best!.candidate, best!.score);
}
