import sharp, { type Metadata, type SharpOptions } from 'sharp';
import type { MediaKind, SourceFormat } from '../../shared/media/types';
import { isVideoFormat, sniffFormat } from './detect';
import { firstLine, mediaError } from './errors';
import { readHeifHeader } from './heif';
import type { MediaLimits } from './limits';
import { probeVideo, type VideoTools } from './video';

/** What the header says, read before any pixel is decoded. */
export interface MediaProbe {
  kind: MediaKind;
  format: SourceFormat;
  /** Display size: after EXIF orientation, one frame. */
  width: number;
  height: number;
  frames: number;
  /** Per-frame delays (ms) for animations; empty for stills and video. */
  delays: number[];
  /** GIF loop count, 0 = forever. */
  loop: number;
  durationMs: number | null;
  hasAlpha: boolean;
  hasAudio: boolean;
}

const FORMAT_LABEL: Record<SourceFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  heic: 'HEIC',
  avif: 'AVIF',
  mp4: 'MP4',
  mov: 'QuickTime',
};

export const sharpInputOptions = (limits: MediaLimits, animated = false): SharpOptions => ({
  // Never disabled: sharp refuses anything over this many pixels even if a caller forgets our check.
  limitInputPixels: limits.maxPixels,
  // sharp's advice for untrusted input: libjpeg reports a JPEG whose data is garbage only as a
  // warning ("Corrupt JPEG data"), and 'error' would decode it into a grey smear.
  failOn: 'warning',
  animated,
});

/**
 * Validates a file cheaply: size, real format, then the header's dimensions. A decompression
 * bomb is refused here, from its header, in about a millisecond.
 */
export async function probeMedia(bytes: Buffer, limits: MediaLimits, video: VideoTools): Promise<MediaProbe> {
  if (bytes.length > limits.maxFileBytes) {
    throw mediaError('MEDIA_TOO_LARGE', `The file is ${mb(bytes.length)}; Postcard imports files up to ${mb(limits.maxFileBytes)}.`, {
      bytes: bytes.length,
      limit: limits.maxFileBytes,
    });
  }
  const sniffed = sniffFormat(bytes);
  if (sniffed.format === null) {
    const what = sniffed.looksLike ? `This looks like ${sniffed.looksLike}` : 'This file is not an image or video Postcard recognises';
    throw mediaError('MEDIA_UNSUPPORTED', `${what}; use JPEG, PNG, WebP, GIF, HEIC, MP4 or MOV.`);
  }
  const format = sniffed.format;
  if (isVideoFormat(format)) return probeVideo(bytes, format, limits, video);
  if (format === 'heic') return probeHeic(bytes, limits);
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, sharpInputOptions(limits, true)).metadata();
  } catch (error) {
    const reason = firstLine(error);
    if (/pixel limit/i.test(reason)) throw tooManyPixels(null, limits);
    throw mediaError('MEDIA_CORRUPT', `The ${FORMAT_LABEL[format]} file is damaged and cannot be read (${reason}).`);
  }
  const frames = Math.max(1, metadata.pages ?? 1);
  const frameHeight = metadata.pageHeight ?? metadata.height;
  const storedWidth = metadata.width;
  if (!storedWidth || !frameHeight) throw mediaError('MEDIA_CORRUPT', `The ${FORMAT_LABEL[format]} file has no readable dimensions.`);
  if (storedWidth * frameHeight > limits.maxPixels) throw tooManyPixels({ width: storedWidth, height: frameHeight }, limits);
  if (frames > 1 && (frames > limits.maxFrames || storedWidth * frameHeight * frames > limits.maxAnimationPixels)) {
    throw mediaError(
      'MEDIA_TOO_MANY_PIXELS',
      `The animation has ${frames} frames of ${storedWidth}×${frameHeight}; Postcard takes at most ${limits.maxFrames} frames and ${Math.round(limits.maxAnimationPixels / 1e6)} megapixels in total.`,
      { width: storedWidth, height: frameHeight, frames },
    );
  }
  // EXIF orientations 5–8 swap the sides; animations carry no orientation.
  const isSwapped = frames === 1 && (metadata.orientation ?? 1) >= 5;
  const delays = frames > 1 ? normaliseDelays(metadata.delay, frames) : [];
  return {
    kind: frames > 1 ? 'animation' : 'image',
    format,
    width: isSwapped ? frameHeight : storedWidth,
    height: isSwapped ? storedWidth : frameHeight,
    frames,
    delays,
    loop: metadata.loop ?? 0,
    durationMs: frames > 1 ? delays.reduce((sum, delay) => sum + delay, 0) : null,
    hasAlpha: Boolean(metadata.hasAlpha),
    hasAudio: false,
  };
}

/** HEIC: libheif reads the upright size from the container; the pixels are decoded later, in a worker. */
async function probeHeic(bytes: Buffer, limits: MediaLimits): Promise<MediaProbe> {
  const header = await readHeifHeader(bytes);
  if (header.width * header.height > limits.maxPixels) throw tooManyPixels(header, limits);
  return { kind: 'image', format: 'heic', ...header, frames: 1, delays: [], loop: 0, durationMs: null, hasAudio: false };
}

/** Browsers show a GIF delay under 20 ms as 100 ms; use what the recipient will see. */
function normaliseDelays(delays: number[] | undefined, frames: number): number[] {
  return Array.from({ length: frames }, (_, index) => {
    const delay = delays?.[index] ?? 100;
    return delay < 20 ? 100 : delay;
  });
}

function tooManyPixels(size: { width: number; height: number } | null, limits: MediaLimits) {
  const limit = `${Math.round(limits.maxPixels / 1e6)} megapixels`;
  const what = size ? `The image claims to be ${size.width}×${size.height}` : 'The image claims more pixels than Postcard decodes';
  return mediaError('MEDIA_TOO_MANY_PIXELS', `${what}; the limit is ${limit} (larger files are usually decompression bombs or print scans).`, size ?? undefined);
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
