import sharp from 'sharp';
import { renderAnimation } from './animation';
import { mediaError } from './errors';
import { decodeHeif } from './heif';
import { renderStill, type EncodedMedia } from './image';
import type { MediaLimits } from './limits';
import { sharpInputOptions, type MediaProbe } from './probe';
import type { RenditionTarget } from './target';
import { transcodeVideo, type VideoTools } from './video';

/** JPEG quality of video posters; they are previews, not the message. */
const POSTER_QUALITY = 82;

/** One rendition of any kind of media for one target. */
export async function renderMedia(bytes: Buffer, probe: MediaProbe, target: RenditionTarget, limits: MediaLimits, video: VideoTools): Promise<EncodedMedia> {
  if (probe.kind === 'video') {
    if (!target.accepts.includes('video/mp4')) throw mediaError('MEDIA_UNSUPPORTED', 'This target does not accept video.');
    const clip = await transcodeVideo(bytes, probe, { maxBytes: target.maxBytes, maxWidth: target.maxVideoWidth }, video);
    const poster = await sharp(clip.posterPng).jpeg({ quality: POSTER_QUALITY, mozjpeg: true }).toBuffer();
    return {
      buffer: clip.buffer,
      mime: 'video/mp4',
      width: clip.width,
      height: clip.height,
      frames: 1,
      durationMs: clip.durationMs,
      quality: null,
      ssim: null,
      notes: clip.notes,
      poster,
    };
  }
  if (probe.kind === 'animation') return renderAnimation(bytes, probe, target, limits);
  return renderStill(await stillSource(bytes, probe, limits), probe, target, limits);
}

/** Bytes sharp can decode for a still: the file itself, or for HEIC its decoded primary image. */
export const stillSource = (bytes: Buffer, probe: MediaProbe, limits: MediaLimits): Promise<Buffer> | Buffer =>
  probe.format === 'heic' ? decodeHeif(bytes, limits.maxPixels) : bytes;

export const THUMBNAIL_EDGE = 256;

/** The library's 256 px WebP: first frame of an animation, the poster of a video, alpha kept. */
export async function makeThumbnail(stillBytes: Buffer, limits: MediaLimits): Promise<Buffer> {
  return sharp(stillBytes, { ...sharpInputOptions(limits), autoOrient: true })
    .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .webp({ quality: 78, effort: 4 })
    .toBuffer();
}
