import sharp from 'sharp';
import { mediaError } from './errors';
import { decodeFailure, renderStill, usesAlpha, type EncodedMedia } from './image';
import type { MediaLimits } from './limits';
import { sharpInputOptions, type MediaProbe } from './probe';
import { fitInside, type RenditionTarget } from './target';

interface Strip {
  data: Buffer;
  width: number;
  frameHeight: number;
  frames: number;
  channels: 3 | 4;
}

interface GifSettings {
  colours: number;
  dither: number;
  /** Pixels that changed less than this keep the previous frame (transparent), which LZW packs well. */
  interFrameMaxError: number;
  /** Frames whose colours differ less than this reuse the previous palette. */
  interPaletteMaxError: number;
}

/** Lossless first, then the inter-frame optimisation and palette reductions, mildest first. */
const LADDER: GifSettings[] = [
  { colours: 256, dither: 1, interFrameMaxError: 0, interPaletteMaxError: 3 },
  { colours: 256, dither: 0.8, interFrameMaxError: 8, interPaletteMaxError: 24 },
  { colours: 128, dither: 0.6, interFrameMaxError: 16, interPaletteMaxError: 48 },
  { colours: 64, dither: 0.5, interFrameMaxError: 24, interPaletteMaxError: 64 },
];
/** Animations are not scaled below this before frames are dropped: a stamp-sized GIF reads as broken. */
const MIN_ANIMATION_EDGE = 200;
const MAX_ATTEMPTS = 14;

async function decodeStrip(bytes: Buffer, probe: MediaProbe, limits: MediaLimits, size: { width: number; height: number }, background: string | null): Promise<Strip> {
  try {
    let pipeline = sharp(bytes, sharpInputOptions(limits, true)).resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' }).toColourspace('srgb');
    pipeline = background ? pipeline.flatten({ background }) : pipeline.ensureAlpha();
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const channels = info.channels === 4 ? 4 : 3;
    return { data, width: info.width, frameHeight: size.height, frames: probe.frames, channels };
  } catch (error) {
    throw decodeFailure(error);
  }
}

/** Keeps every `step`-th frame; each kept frame lasts as long as the frames it stands for. */
function dropFrames(strip: Strip, delays: number[], step: number): { strip: Strip; delays: number[] } {
  if (step === 1) return { strip, delays };
  const frameBytes = strip.width * strip.frameHeight * strip.channels;
  const kept: Buffer[] = [];
  const keptDelays: number[] = [];
  for (let index = 0; index < strip.frames; index += step) {
    kept.push(strip.data.subarray(index * frameBytes, (index + 1) * frameBytes));
    let delay = 0;
    for (let covered = index; covered < Math.min(strip.frames, index + step); covered += 1) delay += delays[covered] ?? 100;
    keptDelays.push(delay);
  }
  return { strip: { ...strip, data: Buffer.concat(kept), frames: kept.length }, delays: keptDelays };
}

const SAMPLE_RUNS = 2;
const SAMPLE_RUN_LENGTH = 4;

/** Bytes the whole animation would take, extrapolated from two short runs of consecutive frames. */
async function predict(strip: Strip, delays: number[], step: number, settings: GifSettings, loop: number): Promise<number> {
  const dropped = dropFrames(strip, delays, step);
  const total = dropped.strip.frames;
  if (total <= SAMPLE_RUNS * SAMPLE_RUN_LENGTH) return (await encodeGif(dropped.strip, dropped.delays, loop, settings)).length;
  const frameBytes = strip.width * strip.frameHeight * strip.channels;
  const starts = [0, Math.floor(total / 2)];
  let bytes = 0;
  for (const start of starts) {
    const run = { ...dropped.strip, data: dropped.strip.data.subarray(start * frameBytes, (start + SAMPLE_RUN_LENGTH) * frameBytes), frames: SAMPLE_RUN_LENGTH };
    bytes += (await encodeGif(run, dropped.delays.slice(start, start + SAMPLE_RUN_LENGTH), loop, settings, effortFor(dropped.strip))).length;
  }
  return (bytes * total) / (SAMPLE_RUNS * SAMPLE_RUN_LENGTH);
}

/**
 * Palette search effort: the thorough setting takes seconds once an animation has millions of
 * pixels (and more, oddly, after downscaling noisy frames), for about 10 % of bytes.
 */
const effortFor = (strip: Strip): number => (strip.width * strip.frameHeight * strip.frames > 2_000_000 ? 4 : 7);

function encodeGif(strip: Strip, delays: number[], loop: number, settings: GifSettings, effort = effortFor(strip)): Promise<Buffer> {
  return sharp(strip.data, {
    raw: { width: strip.width, height: strip.frameHeight * strip.frames, channels: strip.channels, pageHeight: strip.frameHeight },
  })
    .gif({ ...settings, effort, delay: delays, loop })
    .toBuffer();
}

/**
 * Animated GIF within the budget, still animated: inter-frame optimisation and palette first,
 * then scaling, and only then dropping frames (with their time given to the frames kept, so
 * the animation runs as long as before). Where the target takes no animation, the first frame
 * is sent as a still.
 */
export async function renderAnimation(bytes: Buffer, probe: MediaProbe, target: RenditionTarget, limits: MediaLimits): Promise<EncodedMedia> {
  if (!target.allowsAnimation || !target.accepts.includes('image/gif')) {
    const still = await renderStill(bytes, { ...probe, kind: 'image', frames: 1 }, target, limits);
    return { ...still, notes: ['this target shows no animation: first frame only', ...still.notes] };
  }
  const box = fitInside(probe.width, probe.height, target.maxWidth, target.maxHeight);
  const first = await decodeStrip(bytes, probe, limits, box, null);
  // GIF transparency is one bit; where the target cannot show it at all, flatten explicitly.
  const flattenOnto = usesAlpha(first.data, first.channels) && !target.allowsTransparency ? target.background : null;
  let strip = flattenOnto ? await decodeStrip(bytes, probe, limits, box, flattenOnto) : first;
  let size = box;
  let rung = 0;
  let step = 1;
  const finish = (buffer: Buffer, dropped: { strip: Strip; delays: number[] }): EncodedMedia => {
    const settings = LADDER[rung]!;
    const notes: string[] = [];
    if (flattenOnto) notes.push(`transparency flattened onto ${flattenOnto}`);
    if (size.width < probe.width) notes.push(`scaled to ${size.width}×${size.height}`);
    if (settings.colours < 256) notes.push(`palette reduced to ${settings.colours} colours`);
    if (step > 1) {
      const droppedFrames = probe.frames - dropped.strip.frames;
      notes.push(`${droppedFrames} of ${probe.frames} frames dropped to fit the budget (every ${step === 2 ? 'second' : `${step}th`} frame kept, each shown for longer, same total duration)`);
    }
    return {
      buffer,
      mime: 'image/gif',
      width: size.width,
      height: size.height,
      frames: dropped.strip.frames,
      durationMs: dropped.delays.reduce((sum, delay) => sum + delay, 0),
      quality: settings.colours,
      ssim: null,
      notes,
    };
  };
  const encodeFull = () => {
    const dropped = dropFrames(strip, probe.delays, step);
    return { dropped, promise: encodeGif(dropped.strip, dropped.delays, probe.loop, LADDER[rung]!) };
  };
  let full = encodeFull();
  let fullBytes = (await full.promise).length;
  if (fullBytes <= target.maxBytes) return finish(await full.promise, full.dropped);
  // A GIF encode of every frame takes seconds for a long animation, so each further setting is
  // judged on a sample of frames first, scaled by how far the sample misjudged the whole.
  let correction = fullBytes / (await predict(strip, probe.delays, step, LADDER[rung]!, probe.loop));
  let ratio = target.maxBytes / fullBytes;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const minEdge = Math.min(MIN_ANIMATION_EDGE, Math.max(box.width, box.height));
    if (rung < LADDER.length - 1 && (ratio > 0.6 || rung === 0)) {
      rung += 1;
    } else {
      const scale = Math.min(0.9, Math.max(0.5, Math.sqrt(ratio) * 0.95));
      const smaller = { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
      if (Math.max(smaller.width, smaller.height) >= minEdge) {
        size = smaller;
        strip = await decodeStrip(bytes, probe, limits, size, flattenOnto);
      } else if (rung < LADDER.length - 1) {
        // Smallest readable size reached: the remaining palette settings come before dropping frames.
        rung += 1;
      } else {
        const nextStep = Math.max(step + 1, Math.ceil(step / ratio));
        if (Math.ceil(probe.frames / nextStep) < 2) break;
        step = nextStep;
      }
    }
    const predicted = (await predict(strip, probe.delays, step, LADDER[rung]!, probe.loop)) * correction;
    ratio = target.maxBytes / predicted;
    if (predicted > target.maxBytes * 0.95) continue;
    full = encodeFull();
    const buffer = await full.promise;
    if (buffer.length <= target.maxBytes) return finish(buffer, full.dropped);
    fullBytes = buffer.length;
    correction *= fullBytes / predicted;
    ratio = target.maxBytes / fullBytes;
  }
  throw mediaError('MEDIA_OVER_BUDGET', `This animation cannot fit ${Math.round(target.maxBytes / 1000)} KB and stay animated; shorten it or choose a larger budget.`, {
    maxBytes: target.maxBytes,
  });
}
