import { z } from 'zod';
import type { SizeMeterEntry } from '../media/meter';
import { profileIds, type ProfileId, type TargetProfile } from '../media/profiles';
import { MEDIA_ASSET_ID_PATTERN, type MediaAssetId, type MediaKind, type OutputMime, type SourceFormat } from '../media/types';
import type { SmsSegmentInfo } from '../sms/segments';
import { method } from './method';

/** The media library: import, list, renditions per target profile, size meter; SMS segments. */

/**
 * Uploads come as base64 inside a JSON body (the browser mode's only way in); the loopback
 * host refuses bodies over 8 MiB, so one call carries just under that (about 6 MB of file), and
 * a larger file comes in parts of that size. The desktop app and the CLI import by path.
 */
export const MAX_UPLOAD_BASE64_CHARS = 8_000_000;

/**
 * A larger file comes in parts, each one call of at most MAX_UPLOAD_BASE64_CHARS
 * (media.uploadStart, media.uploadPart in order, media.uploadFinish), up to the library's
 * limit for any import.
 */
export const MAX_MEDIA_FILE_BYTES = 100_000_000;

const base64Part = z
  .string()
  .min(1, 'the upload is empty')
  .max(MAX_UPLOAD_BASE64_CHARS, 'a part is at most about 6 MB')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const uploadId = z.string().regex(/^[a-f0-9]{32}$/, 'not an upload id');

const mediaId = z
  .string()
  .regex(MEDIA_ASSET_ID_PATTERN, 'not a media id (a sha-256 in hex)')
  .transform((value) => value as MediaAssetId);
const profileId = z.enum(profileIds as [ProfileId, ...ProfileId[]]);
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #ffffff');

export interface MediaAssetSummary {
  id: MediaAssetId;
  kind: MediaKind;
  format: SourceFormat;
  name: string;
  /** Size of the original file. */
  bytes: number;
  /** Display size (after EXIF orientation). */
  width: number;
  height: number;
  frames: number;
  durationMs: number | null;
  hasAlpha: boolean;
  createdAt: string;
  /** 256 px WebP (first frame, or the video's poster) as a data: URL, for the library and the canvas. */
  thumbnail: string;
}

export interface MediaRendition {
  assetId: MediaAssetId;
  profileId: ProfileId | null;
  mime: OutputMime;
  bytes: number;
  width: number;
  height: number;
  frames: number;
  durationMs: number | null;
  /** JPEG quality, or palette size for PNG and GIF; null for video. */
  quality: number | null;
  budgetBytes: number;
  fitsBudget: boolean;
  /** What was given up to fit ("scaled to 960×720", "transparency flattened onto #ffffff"). */
  notes: string[];
  createdAt: string;
  /** True when this came from the cache rather than a fresh render. */
  isCached: boolean;
  /** The rendition itself, when asked for (`includeData`), for the handset preview. */
  dataUrl?: string;
  /** Video only: the poster frame (JPEG) the preview shows under its play badge. */
  posterDataUrl?: string;
}

export interface MediaAssetDetail extends MediaAssetSummary {
  /** Renditions already made for the current pipeline, one per profile at most. */
  renditions: MediaRendition[];
  /** Every profile's budget against its rendition (null bytes until rendered). */
  meter: SizeMeterEntry[];
}

export interface MediaImportResult {
  asset: MediaAssetDetail;
  /** False when the same bytes were already in the library (the existing asset is returned). */
  isNew: boolean;
}

export const mediaContract = {
  'media.import': method(
    z.discriminatedUnion('source', [
      /** Desktop app and CLI only: the file is read on the Node side. */
      z.object({ source: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
      z
        .object({
          source: z.literal('upload'),
          name: z.string().trim().min(1).max(255),
          dataBase64: base64Part,
        })
        .strict(),
    ]),
  ).returns<MediaImportResult>(),
  /** A file too large for one call: say its name and size, then send its parts in order. */
  'media.uploadStart': method(
    z.object({ name: z.string().trim().min(1).max(255), bytes: z.number().int().min(1).max(MAX_MEDIA_FILE_BYTES) }).strict(),
  ).returns<{ uploadId: string }>(),
  'media.uploadPart': method(z.object({ uploadId, index: z.number().int().min(0).max(100_000), dataBase64: base64Part }).strict()).returns<{
    receivedBytes: number;
  }>(),
  /** All parts in: the file is imported as media.import would, and the upload is gone. */
  'media.uploadFinish': method(z.object({ uploadId }).strict()).returns<MediaImportResult>(),
  'media.list': method(
    z.object({ kind: z.enum(['image', 'animation', 'video']).optional(), search: z.string().max(200).optional() }).strict(),
  ).returns<MediaAssetSummary[]>(),
  'media.get': method(z.object({ id: mediaId }).strict()).returns<MediaAssetDetail>(),
  /** Renders (or fetches from the cache) the asset for one profile. */
  'media.render': method(
    z
      .object({
        id: mediaId,
        profileId,
        /** Where transparency cannot be kept, flatten onto this (default white). */
        background: colour.optional(),
        includeData: z.boolean().optional(),
      })
      .strict(),
  ).returns<MediaRendition>(),
  'media.delete': method(z.object({ id: mediaId }).strict()).returns<{ id: MediaAssetId }>(),
  'media.profiles': method(z.object({}).strict()).returns<TargetProfile[]>(),
  'sms.segments': method(z.object({ text: z.string().max(20_000) }).strict()).returns<SmsSegmentInfo>(),
} as const;
