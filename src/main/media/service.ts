import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import sharp from 'sharp';
import type { MediaAssetDetail, MediaAssetSummary, MediaImportResult, MediaRendition } from '../../shared/api/media';
import { PostcardError } from '../../shared/api/result';
import { sizeMeter, type MeteredFile } from '../../shared/media/meter';
import { getProfile, targetProfiles, type ProfileId } from '../../shared/media/profiles';
import { asMediaAssetId, extensionOf, type MediaAssetId, type MediaKind, type OutputMime, type SourceFormat } from '../../shared/media/types';
import type { EventBus } from '../api/events';
import type { PostcardDb } from '../db/open';
import { mediaAssets, mediaRenditions } from '../db/schema/media';
import { firstLine, isMediaError, mediaError } from './errors';
import { mediaReferences } from './references';
import { MediaFiles } from './files';
import type { EncodedMedia } from './image';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './limits';
import { probeMedia, sharpInputOptions, type MediaProbe } from './probe';
import { makeThumbnail, renderMedia, stillSource } from './render';
import { DEFAULT_BACKGROUND, targetFromProfile, targetKey, type RenditionTarget } from './target';
import { posterOf, resolveFfmpegPath, type VideoTools } from './video';

export interface MediaServiceOptions {
  db: PostcardDb;
  dataDir: string;
  events?: EventBus;
  limits?: MediaLimits;
  /** Undefined: the bundled ffmpeg (or POSTCARD_FFMPEG); null: no video support. */
  ffmpegPath?: string | null;
}

type AssetRow = typeof mediaAssets.$inferSelect;
type RenditionRow = typeof mediaRenditions.$inferSelect;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const dataUrl = (mime: string, bytes: Buffer): string => `data:${mime};base64,${bytes.toString('base64')}`;

/**
 * The media library: content-addressed originals, thumbnails, and renditions cached per
 * (asset, target). All the pixel work is in the pipeline modules; this wires it to storage.
 */
export class MediaService {
  readonly files: MediaFiles;
  readonly limits: MediaLimits;
  readonly video: VideoTools;
  private readonly db: PostcardDb;
  private readonly events: EventBus | undefined;
  /** Two requests for the same rendition share one render. */
  private readonly inFlight = new Map<string, Promise<MediaRendition>>();

  constructor(options: MediaServiceOptions) {
    this.db = options.db;
    this.events = options.events;
    this.files = new MediaFiles(options.dataDir);
    this.limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
    this.video = { ffmpegPath: options.ffmpegPath === undefined ? resolveFfmpegPath() : options.ffmpegPath };
  }

  /** Reads a file from disk, refusing one over the size limit before reading it. */
  async importFile(path: string): Promise<MediaImportResult> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new PostcardError('NOT_FOUND', code === 'ENOENT' ? `There is no file at ${path}.` : `Cannot read ${path} (${firstLine(error)}).`);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new PostcardError('INVALID_INPUT', `${path} is not a file.`);
      if (info.size > this.limits.maxFileBytes) {
        throw mediaError('MEDIA_TOO_LARGE', `${basename(path)} is ${(info.size / 1e6).toFixed(1)} MB; Postcard imports files up to ${(this.limits.maxFileBytes / 1e6).toFixed(0)} MB.`);
      }
      const bytes = await handle.readFile();
      return await this.importBytes(bytes, basename(path));
    } finally {
      await handle.close();
    }
  }

  async importBase64(name: string, base64: string): Promise<MediaImportResult> {
    return this.importBytes(Buffer.from(base64, 'base64'), name);
  }

  /** Validates, normalises and stores one file; the same bytes twice give the same asset. */
  async importBytes(bytes: Buffer, name: string): Promise<MediaImportResult> {
    const id = sha256(bytes);
    const existing = this.assetRow(id);
    if (existing) {
      // Heal a library whose file was removed behind our back: these are the same bytes.
      if (!(await this.files.readIfPresent(this.files.originalOf(id)))) await this.files.write(this.files.originalOf(id), bytes);
      return { asset: await this.get(id), isNew: false };
    }
    const probe = await probeMedia(bytes, this.limits, this.video);
    // The thumbnail is the full decode: a truncated or damaged file is refused here, before
    // anything is stored.
    const thumbnail = await this.thumbnailFor(bytes, probe);
    if (probe.kind === 'animation') await this.checkAllFrames(bytes);
    await this.files.write(this.files.originalOf(id), bytes);
    await this.files.write(this.files.thumbnailOf(id), thumbnail);
    this.db
      .insert(mediaAssets)
      .values({
        id,
        kind: probe.kind,
        format: probe.format,
        name: cleanName(name),
        bytes: bytes.length,
        width: probe.width,
        height: probe.height,
        frames: probe.frames,
        durationMs: probe.durationMs,
        hasAlpha: probe.hasAlpha,
        hasAudio: probe.hasAudio,
      })
      .onConflictDoNothing()
      .run();
    this.events?.emit({ type: 'media.changed', assetId: id, change: 'imported' });
    return { asset: await this.get(id), isNew: true };
  }

  private async thumbnailFor(bytes: Buffer, probe: MediaProbe): Promise<Buffer> {
    const still = probe.kind === 'video' ? await posterOf(bytes, probe, this.video) : await stillSource(bytes, probe, this.limits);
    try {
      return await makeThumbnail(still, this.limits);
    } catch (error) {
      if (isMediaError(error)) throw error;
      throw mediaError('MEDIA_CORRUPT', `The file is damaged or truncated and cannot be decoded (${firstLine(error)}).`);
    }
  }

  /** A GIF can be fine for ten frames and broken in the eleventh. */
  private async checkAllFrames(bytes: Buffer): Promise<void> {
    try {
      await sharp(bytes, sharpInputOptions(this.limits, true)).resize(32, 32, { fit: 'fill' }).raw().toBuffer();
    } catch (error) {
      throw mediaError('MEDIA_CORRUPT', `A frame of this animation is damaged (${firstLine(error)}).`);
    }
  }

  async list(filter: { kind?: MediaKind; search?: string } = {}): Promise<MediaAssetSummary[]> {
    const rows = this.db.select().from(mediaAssets).orderBy(desc(mediaAssets.createdAt), mediaAssets.id).all();
    const search = filter.search?.trim().toLowerCase();
    const wanted = rows.filter((row) => (!filter.kind || row.kind === filter.kind) && (!search || row.name.toLowerCase().includes(search)));
    return Promise.all(wanted.map((row) => this.summaryOf(row)));
  }

  async get(id: string): Promise<MediaAssetDetail> {
    const row = this.requireAsset(id);
    const rows = this.db.select().from(mediaRenditions).where(eq(mediaRenditions.assetId, id)).all();
    const current = new Map(targetProfiles.map((profile) => [targetKey(targetFromProfile(profile), profile.id), profile.id]));
    const renditions = rows.filter((rendition) => current.has(rendition.targetKey)).map((rendition) => this.renditionOf(rendition, true));
    const metered: Partial<Record<ProfileId, MeteredFile>> = {};
    for (const rendition of renditions) if (rendition.profileId) metered[rendition.profileId] = { bytes: rendition.bytes, mime: rendition.mime };
    return { ...(await this.summaryOf(row)), renditions, meter: sizeMeter(metered) };
  }

  /** The rendition for one profile, from the cache when this exact target was rendered before. */
  async render(id: string, profileId: ProfileId, options: { background?: string; includeData?: boolean } = {}): Promise<MediaRendition> {
    const target = targetFromProfile(getProfile(profileId), options.background ?? DEFAULT_BACKGROUND);
    return this.renderTarget(id, target, profileId, options.includeData ?? false);
  }

  async renderTarget(id: string, target: RenditionTarget, profileId: ProfileId | null, includeData: boolean): Promise<MediaRendition> {
    const asset = this.requireAsset(id);
    const key = targetKey(target, profileId);
    const cached = this.db
      .select()
      .from(mediaRenditions)
      .where(and(eq(mediaRenditions.assetId, id), eq(mediaRenditions.targetKey, key)))
      .get();
    if (cached) {
      const bytes = includeData ? await this.files.readIfPresent(cached.path) : Buffer.alloc(0);
      if (bytes) return this.withData(this.renditionOf(cached, true), cached, bytes, includeData);
      // The file went missing: fall through and render it again.
    }
    const flightKey = `${id}:${key}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.renderFresh(asset, target, key, profileId).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    const fresh = await flight;
    if (!includeData) return fresh;
    const row = this.db.select().from(mediaRenditions).where(and(eq(mediaRenditions.assetId, id), eq(mediaRenditions.targetKey, key))).get();
    return row ? this.withData(fresh, row, await this.files.read(row.path), true) : fresh;
  }

  private async renderFresh(asset: AssetRow, target: RenditionTarget, key: string, profileId: ProfileId | null): Promise<MediaRendition> {
    const original = await this.files.readIfPresent(this.files.originalOf(asset.id));
    if (!original) throw new PostcardError('NOT_FOUND', `The original file of "${asset.name}" is missing from the media folder; import it again.`);
    const probe = await probeMedia(original, this.limits, this.video);
    const encoded = await renderMedia(original, probe, target, this.limits, this.video);
    const path = this.files.renditionOf(asset.id, key, extensionOf(encoded.mime));
    await this.files.write(path, encoded.buffer);
    let posterPath: string | null = null;
    if (encoded.poster) {
      posterPath = this.files.renditionOf(asset.id, key, 'poster.jpg');
      await this.files.write(posterPath, encoded.poster);
    }
    const values = rowValues(asset.id, key, profileId, target, encoded, path, posterPath);
    const row = this.db
      .insert(mediaRenditions)
      .values(values)
      .onConflictDoUpdate({ target: [mediaRenditions.assetId, mediaRenditions.targetKey], set: { ...values, createdAt: new Date().toISOString() } })
      .returning()
      .get();
    return this.renditionOf(row, false);
  }

  async delete(id: string): Promise<{ id: MediaAssetId }> {
    const asset = this.requireAsset(id);
    // A flow that sends it would go out without its image (or fail): take it off them first.
    const references = mediaReferences(this.db, id);
    if (references.length > 0) {
      const where = references.map((r) => `"${r.name}" (${r.in === 'draft' ? 'draft' : `published, ${r.status}`})`).join(', ');
      throw new PostcardError('CONFLICT', `"${asset.name}" is used by ${where}. Remove it from those MMS steps first.`, { references });
    }
    this.db.transaction((tx) => {
      tx.delete(mediaRenditions).where(eq(mediaRenditions.assetId, id)).run();
      tx.delete(mediaAssets).where(eq(mediaAssets.id, id)).run();
    });
    // Rows first: a crash between the two leaves orphan files, never rows without files.
    await this.files.removeAsset(id);
    this.events?.emit({ type: 'media.changed', assetId: id, change: 'deleted' });
    return { id: asMediaAssetId(id) };
  }

  private assetRow(id: string): AssetRow | undefined {
    return this.db.select().from(mediaAssets).where(eq(mediaAssets.id, id)).get();
  }

  private requireAsset(id: string): AssetRow {
    const row = this.assetRow(id);
    if (!row) throw new PostcardError('NOT_FOUND', 'There is no such media in the library.');
    return row;
  }

  private async summaryOf(row: AssetRow): Promise<MediaAssetSummary> {
    const thumbnail = await this.files.readIfPresent(this.files.thumbnailOf(row.id));
    return {
      id: asMediaAssetId(row.id),
      kind: row.kind as MediaKind,
      format: row.format as SourceFormat,
      name: row.name,
      bytes: row.bytes,
      width: row.width,
      height: row.height,
      frames: row.frames,
      durationMs: row.durationMs,
      hasAlpha: row.hasAlpha,
      createdAt: row.createdAt,
      thumbnail: thumbnail ? dataUrl('image/webp', thumbnail) : '',
    };
  }

  private renditionOf(row: RenditionRow, isCached: boolean): MediaRendition {
    return {
      assetId: asMediaAssetId(row.assetId),
      profileId: (row.profileId as ProfileId | null) ?? null,
      mime: row.mime as OutputMime,
      bytes: row.bytes,
      width: row.width,
      height: row.height,
      frames: row.frames,
      durationMs: row.durationMs,
      quality: row.quality,
      budgetBytes: row.budgetBytes,
      fitsBudget: row.bytes <= row.budgetBytes,
      notes: parseNotes(row.notesJson),
      createdAt: row.createdAt,
      isCached,
    };
  }

  private async withData(rendition: MediaRendition, row: RenditionRow, bytes: Buffer, includeData: boolean): Promise<MediaRendition> {
    if (!includeData) return rendition;
    const poster = row.posterPath ? await this.files.readIfPresent(row.posterPath) : null;
    return { ...rendition, dataUrl: dataUrl(rendition.mime, bytes), ...(poster ? { posterDataUrl: dataUrl('image/jpeg', poster) } : {}) };
  }
}

function rowValues(assetId: string, key: string, profileId: ProfileId | null, target: RenditionTarget, encoded: EncodedMedia, path: string, posterPath: string | null) {
  return {
    assetId,
    targetKey: key,
    profileId,
    mime: encoded.mime,
    bytes: encoded.buffer.length,
    width: encoded.width,
    height: encoded.height,
    frames: encoded.frames,
    durationMs: encoded.durationMs,
    quality: encoded.quality,
    budgetBytes: target.maxBytes,
    notesJson: JSON.stringify(encoded.notes),
    path,
    posterPath,
  };
}

function parseNotes(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((note): note is string => typeof note === 'string') : [];
  } catch {
    return [];
  }
}

/** File names are shown, never trusted: no folders, no control characters, a sane length. */
function cleanName(name: string): string {
  const cleaned = basename(name.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255);
  return cleaned || 'untitled';
}
