import { MAX_MEDIA_FILE_BYTES } from '../../shared/api/media';

/**
 * Import limits, checked before any heavy work. A phone camera frame is 12–50 MP and the
 * largest phone sensors reach 200 MP; nothing meant for a 1280 px message needs more than
 * 100 MP, and refusing at the header keeps a decompression bomb from allocating gigabytes.
 */
export interface MediaLimits {
  /** Bytes of one imported file (videos are the large ones). */
  maxFileBytes: number;
  /** Pixels of one frame, as the header states them; also passed to sharp's `limitInputPixels`. */
  maxPixels: number;
  /** Pixels across all frames of an animation (every frame is decoded to resize it). */
  maxAnimationPixels: number;
  /** Frames of an animation. */
  maxFrames: number;
  /** Seconds of video; MMS clips are short and transcoding time grows with length. */
  maxVideoSeconds: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  maxFileBytes: MAX_MEDIA_FILE_BYTES,
  maxPixels: 100_000_000,
  maxAnimationPixels: 400_000_000,
  maxFrames: 1_000,
  maxVideoSeconds: 300,
};

/** Bumped whenever the pipeline would produce different bytes, so cached renditions are redone. */
export const PIPELINE_VERSION = 2;
