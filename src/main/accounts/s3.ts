import { AwsClient } from 'aws4fetch';

/**
 * The few S3 calls media hosting makes (PUT, HEAD, DELETE and a presigned GET), signed with AWS
 * Signature V4 by aws4fetch: one small, dependency-free package over the platform's fetch. The
 * full @aws-sdk/client-s3 would add about a hundred packages for these four calls. Path-style
 * addressing (`endpoint/bucket/key`) works with every S3-compatible store (AWS, R2, B2, MinIO).
 */
export interface S3Location {
  endpoint: string;
  region: string;
  bucket: string;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A refusal or failure in words that name the bucket and what to check. */
export class S3Error extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly httpStatus: number | null,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

const TIMEOUT_MS = 30_000;

export class S3Bucket {
  private readonly client: AwsClient;

  constructor(
    readonly location: S3Location,
    credentials: S3Credentials,
  ) {
    this.client = new AwsClient({ ...credentials, region: location.region, service: 's3' });
  }

  objectUrl(key: string): string {
    const base = this.location.endpoint.replace(/\/+$/, '');
    return `${base}/${encodeURIComponent(this.location.bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const response = await this.call(key, 'PUT', {
      body: bytes,
      headers: { 'content-type': contentType, 'content-length': String(bytes.byteLength), 'cache-control': 'public, max-age=31536000, immutable' },
    });
    if (!response.ok) throw await this.refusal(response, `upload ${key}`);
  }

  /** True when the object is there; a missing one is false, a refusal throws. */
  async exists(key: string): Promise<boolean> {
    const response = await this.call(key, 'HEAD');
    if (response.status === 404) return false;
    if (!response.ok) throw await this.refusal(response, `look up ${key}`);
    return true;
  }

  async delete(key: string): Promise<void> {
    const response = await this.call(key, 'DELETE');
    if (!response.ok && response.status !== 404) throw await this.refusal(response, `delete ${key}`);
  }

  /** A GET URL anyone holding it can use until it expires (S3 allows up to 7 days). */
  async presignGet(key: string, seconds: number): Promise<string> {
    const url = new URL(this.objectUrl(key));
    url.searchParams.set('X-Amz-Expires', String(Math.max(1, Math.min(604_800, Math.round(seconds)))));
    const signed = await this.client.sign(url.toString(), { method: 'GET', aws: { signQuery: true } });
    return signed.url;
  }

  private async call(key: string, method: string, init: { body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<Response> {
    try {
      return await this.client.fetch(this.objectUrl(key), { method, ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new S3Error(`Cannot reach the media hosting endpoint ${this.location.endpoint} (${cause}).`, 'UNREACHABLE', null);
    }
  }

  private async refusal(response: Response, what: string): Promise<S3Error> {
    const text = await response.text().catch(() => '');
    const code = /<Code>([^<]{1,80})<\/Code>/.exec(text)?.[1] ?? `HTTP_${response.status}`;
    const words = /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1];
    const hint = hints[code] ?? (response.status === 403 ? 'check that the access key may write to this bucket' : null);
    const bucket = `bucket "${this.location.bucket}" at ${this.location.endpoint}`;
    return new S3Error(
      `The ${bucket} refused to ${what}: ${code}${words ? ` (${words})` : ''}${hint ? `; ${hint}` : ''}.`,
      code,
      response.status,
    );
  }
}

const hints: Record<string, string> = {
  NoSuchBucket: 'create the bucket, or correct its name in Settings → Media hosting',
  InvalidAccessKeyId: 'the access key ID is wrong or was deleted',
  SignatureDoesNotMatch: 'the secret access key does not belong to this access key ID',
  AccessDenied: 'the access key may not write to this bucket; grant it s3:PutObject',
  AuthorizationHeaderMalformed: 'the region is probably wrong for this bucket',
  PermanentRedirect: 'the bucket lives in another region or at another endpoint',
};
