import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

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
