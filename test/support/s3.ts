import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FakeProviders } from './fakeProviders';

/** s3rver's built-in credentials: any other key is refused with InvalidAccessKeyId. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export interface LoopbackS3 {
  endpoint: string;
  region: string;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver: SigV4, presigned URLs with expiry) on 127.0.0.1, with the given buckets. */
export async function startLoopbackS3(buckets: string[]): Promise<LoopbackS3> {
  const directory = mkdtempSync(join(tmpdir(), 'postcard-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block that sends through the loopback fake provider with media hosted in
 * s3rver: both start once before its tests and close after; the fake is reset before each.
 */
export function useLoopbackSending(buckets: string[]): { readonly fake: FakeProviders; readonly s3: LoopbackS3 } {
  let fake: FakeProviders | null = null;
  let s3: LoopbackS3 | null = null;
  beforeAll(async () => {
    fake = await FakeProviders.start();
    s3 = await startLoopbackS3(buckets);
  });
  afterAll(async () => {
    await fake?.close();
    await s3?.close();
  });
  beforeEach(() => fake?.reset());
  return {
    get fake() {
      if (!fake) throw new Error('the fake provider starts in beforeAll');
      return fake;
    },
    get s3() {
      if (!s3) throw new Error('the S3 server starts in beforeAll');
      return s3;
    },
  };
}
