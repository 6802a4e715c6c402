import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import {
  MediaHostingInput,
  mediaHostingSecretFields,
  secretEnvName,
  type ConnectionTestResult,
  type MediaHostingGetResult,
  type MediaHostingSecretField,
  type MediaHostingSettings,
} from '../../shared/api/accounts';
import { PostcardError } from '../../shared/api/result';
import type { ProfileId } from '../../shared/media/profiles';
import { extensionOf, type OutputMime } from '../../shared/media/types';
import type { PostcardDb } from '../db/open';
import { hostedObjects, mediaHosting } from '../db/schema/accounts';
import type { SecretRef, SecretStore } from '../secrets';
import { S3Bucket, S3Error } from './s3';
import { secretStatuses } from './secretStatus';

type HostingRow = typeof mediaHosting.$inferSelect;

export interface HostableRendition {
  assetId: string;
  profileId: ProfileId;
  mime: OutputMime;
  bytes: Uint8Array;
}

export interface HostedMedia {
  objectKey: string;
  /** The URL a provider fetches it from: public, or presigned for the configured lifetime. */
  url: string;
  /** False when it was already in the bucket and nothing was uploaded. */
  isNew: boolean;
}

const ROW_ID = 1;
export const hostingSecretRef = (field: MediaHostingSecretField): SecretRef => ({ key: `media-hosting/${field}`, envName: secretEnvName('s3', field) });

/**
 * MMS media at a public URL: renditions go to the user's S3-compatible bucket under their
 * content hash (unguessable, and never uploaded twice: hosted_objects remembers what is there),
 * and providers get a public URL or a presigned GET that outlives their retries.
 */
export class MediaHostingService {
  private readonly db: PostcardDb;
  private readonly secrets: SecretStore;

  constructor(deps: { db: PostcardDb; secrets: SecretStore }) {
    this.db = deps.db;
    this.secrets = deps.secrets;
  }

  private row(): HostingRow | undefined {
    return this.db.select().from(mediaHosting).where(eq(mediaHosting.id, ROW_ID)).get();
  }

  isConfigured(): boolean {
    return this.row() !== undefined;
  }

  async get(): Promise<MediaHostingGetResult> {
    const row = this.row();
    return { settings: row ? await this.settingsOf(row) : null, secretStore: await this.secrets.describe() };
  }

  async set(input: MediaHostingInput): Promise<MediaHostingSettings> {
    const parsed = MediaHostingInput.parse(input);
    if (parsed.publicBaseUrl === null && parsed.presignHours * 3600 > 604_800) {
      throw new PostcardError('INVALID_INPUT', 'Presigned URLs last at most 7 days (168 hours).');
    }
    // Credentials first: a row that says "configured" must not point at secrets that were never kept.
    for (const field of mediaHostingSecretFields) {
      const value = parsed.secrets[field];
      if (value) await this.secrets.set(hostingSecretRef(field), value);
    }
    const prefix = parsed.prefix === '' || parsed.prefix.endsWith('/') ? parsed.prefix : `${parsed.prefix}/`;
    const values = {
      endpoint: parsed.endpoint.replace(/\/+$/, ''),
      region: parsed.region,
      bucket: parsed.bucket,
      publicBaseUrl: parsed.publicBaseUrl?.replace(/\/+$/, '') ?? null,
      presignHours: parsed.presignHours,
      prefix,
      updatedAt: new Date().toISOString(),
    };
    this.db
      .insert(mediaHosting)
      .values({ id: ROW_ID, ...values })
      .onConflictDoUpdate({ target: mediaHosting.id, set: values })
      .run();
    return this.settingsOf(this.row()!);
  }

  /** Puts a small object, reads it back through the URL a provider would be given, and deletes it. */
  async test(): Promise<ConnectionTestResult> {
    const { bucket, row } = await this.open();
    const probe = Buffer.from(`Postcard media hosting check ${new Date().toISOString()}\n`);
    const key = `${row.prefix}postcard-check-${createHash('sha256').update(probe).digest('hex').slice(0, 16)}.txt`;
    try {
      await bucket.put(key, probe, 'text/plain');
      const url = await this.urlOf(bucket, row, key);
      let served: Response;
      try {
        served = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      } catch (error) {
        return failed(`The upload worked, but ${hostOf(url)} could not be reached to read it back (${causeOf(error)}); providers fetch media from there.`, 'UNREACHABLE');
      }
      const body = Buffer.from(await served.arrayBuffer());
      await bucket.delete(key).catch(() => undefined);
      if (!served.ok) {
        const how = row.publicBaseUrl ? `the public URL ${row.publicBaseUrl} (is the bucket or prefix public-read?)` : 'a presigned URL';
        return failed(`The upload worked, but reading it back through ${how} answered HTTP ${served.status}; providers could not fetch the media.`, `HTTP_${served.status}`);
      }
      if (!body.equals(probe)) return failed('The upload worked, but the URL served other bytes than were uploaded; check the public base URL.', 'MISMATCH');
      const how = row.publicBaseUrl ? `public URLs under ${row.publicBaseUrl}` : `presigned URLs that last ${formatHours(row.presignHours)}`;
      return { isOk: true, message: `Uploaded a test file to "${row.bucket}" and read it back through ${how}.`, code: null };
    } catch (error) {
      if (error instanceof S3Error) return failed(error.message, error.code);
      throw error;
    }
  }

  /**
   * Puts one rendition in the bucket unless it is there already (same bytes, same profile, same
   * bucket), and returns the URL to send. Throws PostcardError naming the bucket on a refusal.
   */
  async host(rendition: HostableRendition): Promise<HostedMedia> {
    const { bucket, row } = await this.open();
    const contentHash = createHash('sha256').update(rendition.bytes).digest('hex');
    const location = locationOf(row);
    const known = this.db
      .select()
      .from(hostedObjects)
      .where(and(eq(hostedObjects.contentHash, contentHash), eq(hostedObjects.profileId, rendition.profileId), eq(hostedObjects.location, location)))
      .get();
    if (known) return { objectKey: known.objectKey, url: await this.urlOf(bucket, row, known.objectKey), isNew: false };
    const objectKey = `${row.prefix}${contentHash}.${extensionOf(rendition.mime)}`;
    try {
      await bucket.put(objectKey, rendition.bytes, rendition.mime);
    } catch (error) {
      if (error instanceof S3Error) throw new PostcardError('UNAVAILABLE', `Media hosting: ${error.message}`);
      throw error;
    }
    this.db
      .insert(hostedObjects)
      .values({ contentHash, profileId: rendition.profileId, location, objectKey, assetId: rendition.assetId, mime: rendition.mime, bytes: rendition.bytes.byteLength })
      .onConflictDoNothing()
      .run();
    return { objectKey, url: await this.urlOf(bucket, row, objectKey), isNew: true };
  }

  /** The URL to send for an asset already hosted for a profile (presigned afresh: they expire), or null. */
  async urlForAsset(assetId: string, profileId: ProfileId): Promise<string | null> {
    const row = this.row();
    if (!row) return null;
    const hosted = this.db
      .select()
      .from(hostedObjects)
      .where(and(eq(hostedObjects.assetId, assetId), eq(hostedObjects.profileId, profileId), eq(hostedObjects.location, locationOf(row))))
      .get();
    if (!hosted) return null;
    const { bucket } = await this.open();
    return this.urlOf(bucket, row, hosted.objectKey);
  }

  /** Every object hosted in the current bucket, with the URL to send now (presigned afresh). */
  async hostedUrls(): Promise<{ assetId: string; profileId: ProfileId; url: string }[]> {
    const row = this.row();
    if (!row) return [];
    const hosted = this.db.select().from(hostedObjects).where(eq(hostedObjects.location, locationOf(row))).all();
    if (hosted.length === 0) return [];
    const { bucket } = await this.open();
    return Promise.all(hosted.map(async (object) => ({ assetId: object.assetId, profileId: object.profileId as ProfileId, url: await this.urlOf(bucket, row, object.objectKey) })));
  }

  private async open(): Promise<{ bucket: S3Bucket; row: HostingRow }> {
    const row = this.row();
    if (!row) {
      throw new PostcardError('CONFLICT', 'Media hosting is not set up: add an S3-compatible bucket in Settings → Media hosting (or `postcard media-hosting set`).');
    }
    const accessKeyId = await this.secrets.get(hostingSecretRef('accessKeyId'));
    const secretAccessKey = await this.secrets.get(hostingSecretRef('secretAccessKey'));
    if (!accessKeyId || !secretAccessKey) {
      const missing = [!accessKeyId && 'access key ID', !secretAccessKey && 'secret access key'].filter(Boolean).join(' and ');
      throw new PostcardError(
        'CONFLICT',
        `Media hosting has no ${missing}: enter it in Settings → Media hosting, or set ${hostingSecretRef('accessKeyId').envName} and ${hostingSecretRef('secretAccessKey').envName}.`,
      );
    }
    return { bucket: new S3Bucket(row, { accessKeyId: accessKeyId.value, secretAccessKey: secretAccessKey.value }), row };
  }

  private async urlOf(bucket: S3Bucket, row: HostingRow, key: string): Promise<string> {
    if (row.publicBaseUrl) return `${row.publicBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return bucket.presignGet(key, row.presignHours * 3600);
  }

  private async settingsOf(row: HostingRow): Promise<MediaHostingSettings> {
    return {
      endpoint: row.endpoint,
      region: row.region,
      bucket: row.bucket,
      publicBaseUrl: row.publicBaseUrl,
      presignHours: row.presignHours,
      prefix: row.prefix,
      secrets: await secretStatuses(this.secrets, mediaHostingSecretFields.map((field) => ({ field, ref: hostingSecretRef(field) }))),
      updatedAt: row.updatedAt,
    };
  }
}

const locationOf = (row: HostingRow): string => `${row.endpoint}|${row.bucket}`;
const failed = (message: string, code: string): ConnectionTestResult => ({ isOk: false, message, code });
const formatHours = (hours: number): string => (hours >= 1 ? `${hours} hour${hours === 1 ? '' : 's'}` : `${Math.round(hours * 3600)} seconds`);
const causeOf = (error: unknown): string => (error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error));

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
