import type { Brand } from '../ids';

/** An asset's id is the sha-256 (hex) of its original bytes: the same file imports once. */
export type MediaAssetId = Brand<string, 'MediaAssetId'>;
export const asMediaAssetId = (value: string): MediaAssetId => value as MediaAssetId;
export const MEDIA_ASSET_ID_PATTERN = /^[0-9a-f]{64}$/;

export type MediaKind = 'image' | 'animation' | 'video';

/** Formats recognised from the bytes (never from the file name). */
export const sourceFormats = ['jpeg', 'png', 'webp', 'gif', 'heic', 'avif', 'mp4', 'mov'] as const;
export type SourceFormat = (typeof sourceFormats)[number];

/** What a rendition can be; these are the types MMS carriers commonly accept. */
export const outputMimes = ['image/jpeg', 'image/png', 'image/gif', 'video/mp4'] as const;
export type OutputMime = (typeof outputMimes)[number];

export const extensionOf = (mime: OutputMime): string =>
  ({ 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'video/mp4': 'mp4' })[mime];

/**
 * Stable error codes of the media pipeline. They travel as `ApiError.code`, so they are also
 * part of `apiErrorCodes`; the CLI prints the message, tests assert the code.
 */
export const mediaErrorCodes = [
  /** Not a format Postcard can use (PDF, TIFF, SVG, text …), or nothing recognisable. */
  'MEDIA_UNSUPPORTED',
  /** Truncated or damaged: the header or the pixel data cannot be read. */
  'MEDIA_CORRUPT',
  /** The file is larger than the import limit. */
  'MEDIA_TOO_LARGE',
  /** The header claims more pixels than the limit (a decompression bomb, or a poster-sized scan). */
  'MEDIA_TOO_MANY_PIXELS',
  /** A video, but no ffmpeg is available to read or transcode it. */
  'MEDIA_VIDEO_UNAVAILABLE',
  /** No acceptable rendition fits the byte budget (e.g. a long video for a 300 KB carrier). */
  'MEDIA_OVER_BUDGET',
] as const;
export type MediaErrorCode = (typeof mediaErrorCodes)[number];
