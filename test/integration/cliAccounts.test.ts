import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeCredentials, telnyxKeyPair } from '../support/fakeProviders';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, useLoopbackSending } from '../support/s3';

const bin = resolve(import.meta.dirname, '../../bin/postcard.mjs');
const loopback = useLoopbackSending(['mms-media']);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-cli-accounts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const twilioEnv = {
  POSTCARD_TWILIO_ACCOUNT_SID: fakeCredentials.twilio.accountSid,
  POSTCARD_TWILIO_AUTH_TOKEN: fakeCredentials.twilio.authToken,
};

/** Runs the CLI in its own process (the fake provider answers from this one, so never spawnSync). */
function postcard(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, '--data-dir', join(dir, 'data'), ...args], {
      // No keychain and no inherited credentials: only what the test gives.
      env: { PATH: process.env.PATH ?? '', HOME: dir, POSTCARD_SECRETS: 'env', POSTCARD_QUIET: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// Each command is a fresh Node process compiling the CLI through tsx: seconds each on a busy machine.
describe('postcard accounts, media-hosting and send', { timeout: 240_000 }, () => {
  it('adds, lists, tests and removes a Twilio account with credentials from the environment', async () => {
    const added = await postcard(['accounts', 'add', 'twilio', '--name', 'Main', '--from', '+14155550100', '--base-url', loopback.fake.url, '--mps', '25'], twilioEnv);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added Twilio account "Main"');
    expect(added.stdout).toContain('Auth Token set ••••0001');
    expect(added.stdout).not.toContain(fakeCredentials.twilio.authToken);

    const listed = await postcard(['accounts', 'list'], twilioEnv);
    expect(listed.stdout).toMatch(/^Main\tTwilio\t\+14155550100\tsms\+mms\t25 msg\/s, via http:\/\/127\.0\.0\.1:\d+\t/m);

    const tested = await postcard(['accounts', 'test', 'main'], twilioEnv);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/is active/);

    const wrong = await postcard(['accounts', 'test', 'Main'], { ...twilioEnv, POSTCARD_TWILIO_AUTH_TOKEN: 'a-wrong-token-000000000' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Twilio refused.*20003/);

    expect((await postcard(['accounts', 'remove', 'Main'])).code).toBe(0);
    expect((await postcard(['accounts', 'list'])).stdout).toContain('No sending accounts yet');
  });

  it('takes the optional webhook key and signature secret from POSTCARD_TELNYX_PUBLIC_KEY / POSTCARD_VONAGE_SIGNATURE_SECRET, and adds an account without them', async () => {
    const publicKey = telnyxKeyPair().publicKeyText;
    const telnyx = await postcard(['accounts', 'add', 'telnyx', '--name', 'Tel', '--from', '+14155550100', '--base-url', loopback.fake.url], {
      POSTCARD_TELNYX_API_KEY: fakeCredentials.telnyx.apiKey,
      POSTCARD_TELNYX_PUBLIC_KEY: publicKey,
    });
    expect(telnyx.code).toBe(0);
    expect(telnyx.stdout).toContain(`Webhook public key set ••••${publicKey.slice(-4)}`);
    expect(telnyx.stdout).not.toContain(publicKey);
    // No terminal to prompt at and no variable: the account is added, its webhooks unverifiable.
    const vonage = await postcard(['accounts', 'add', 'vonage', '--name', 'Von', '--from', '+14155550100', '--base-url', loopback.fake.url], {
      POSTCARD_VONAGE_API_KEY: fakeCredentials.vonage.apiKey,
      POSTCARD_VONAGE_API_SECRET: fakeCredentials.vonage.apiSecret,
    });
    expect(vonage.code).toBe(0);
    expect(vonage.stdout).toContain('Webhook signature secret not set');
    const help = await postcard(['accounts', 'add', '--help']);
    expect(help.stdout).toContain('POSTCARD_VONAGE_SIGNATURE_SECRET');
    expect(help.stdout).toContain('POSTCARD_TELNYX_PUBLIC_KEY');
  });

  it('never takes a credential on the command line, and says which variable to set', async () => {
    const flag = await postcard(['accounts', 'add', 'twilio', '--name', 'Main', '--from', '+14155550100', '--auth-token', 'x']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/unknown option '--auth-token'/);
    const missing = await postcard(['accounts', 'add', 'twilio', '--name', 'Main', '--from', '+14155550100']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('set POSTCARD_TWILIO_ACCOUNT_SID');
    const noSender = await postcard(['accounts', 'add', 'telnyx', '--name', 'T'], { POSTCARD_TELNYX_API_KEY: fakeCredentials.telnyx.apiKey });
    expect(noSender.stderr).toMatch(/--from/);
  });

  it('send --json prints one line with the provider’s id and status; a refusal exits non-zero with the provider’s code and words', async () => {
    await postcard(['accounts', 'add', 'twilio', '--name', 'Main', '--from', '+14155550100', '--base-url', loopback.fake.url], twilioEnv);
    const sent = await postcard(['send', '--account', 'Main', '--to', '+14155550142', '--body', 'Hello from the CLI', '--json'], twilioEnv);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const lines = sent.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { providerMessageId: string; status: string; mediaUrls: string[] };
    expect(line).toMatchObject({ status: 'queued', mediaUrls: [] });
    expect(loopback.fake.messagesTo('+14155550142').map((m) => [m.id, m.body])).toEqual([[line.providerMessageId, 'Hello from the CLI']]);

    loopback.fake.answerNext('twilio', { kind: 'error', code: '21610', message: 'Attempt to send to unsubscribed recipient' });
    const refused = await postcard(['send', '--account', 'Main', '--to', '+14155550142', '--body', 'Again'], twilioEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/21610/);
    expect(refused.stderr).toMatch(/unsubscribed/);
  });

  it('accounts add takes a Twilio Messaging Service instead of --from; a provider without a sender pool is told --from is required', async () => {
    const service = `MG${'0123456789abcdef'.repeat(2)}`;
    const pooled = await postcard(['accounts', 'add', 'twilio', '--name', 'Pool', '--messaging-service', service, '--base-url', loopback.fake.url], twilioEnv);
    expect(pooled.stderr).toBe('');
    expect(pooled.code).toBe(0);
    expect(pooled.stdout).toContain(`Added Twilio account "Pool" (${service}`);
    const vonage = await postcard(['accounts', 'add', 'vonage', '--name', 'Von', '--base-url', loopback.fake.url], {
      POSTCARD_VONAGE_API_KEY: fakeCredentials.vonage.apiKey,
      POSTCARD_VONAGE_API_SECRET: fakeCredentials.vonage.apiSecret,
    });
    expect(vonage.code).toBe(1);
    expect(vonage.stderr).toContain('Vonage has no sender pool, so --from is required');
  });

  it('send --json refused by the provider prints one JSON line with its code and words, and exits non-zero', async () => {
    await postcard(['accounts', 'add', 'twilio', '--name', 'Main', '--from', '+14155550100', '--base-url', loopback.fake.url], twilioEnv);
    loopback.fake.answerNext('twilio', { kind: 'error', code: '21211', message: "The 'To' number +14155550199 is not a valid phone number." });
    const refused = await postcard(['send', '--account', 'Main', '--to', '+14155550199', '--body', 'Hello', '--json'], twilioEnv);
    expect(refused.code).not.toBe(0);
    const lines = refused.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { status: string; code: string; message: string };
    expect(line.status).toBe('refused');
    expect(line.code).toBe('21211');
    expect(line.message).toContain("The 'To' number +14155550199 is not a valid phone number.");
    expect(loopback.fake.messagesTo('+14155550199')).toEqual([]);
  });

  it('media-hosting set checks the bucket; send --media hosts the image and passes its URL', async () => {
    const s3Env = { POSTCARD_S3_ACCESS_KEY_ID: S3_ACCESS_KEY_ID, POSTCARD_S3_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY };
    const set = await postcard(['media-hosting', 'set', '--endpoint', loopback.s3.endpoint, '--region', loopback.s3.region, '--bucket', 'mms-media', '--presign-hours', '12'], s3Env);
    expect(set.stderr).toBe('');
    expect(set.stdout).toContain('presigned URLs valid 12 h');
    expect(set.stdout).toMatch(/read it back through presigned URLs/);

    const refused = await postcard(['media-hosting', 'set', '--endpoint', loopback.s3.endpoint, '--region', loopback.s3.region, '--bucket', 'not-there'], s3Env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/"not-there".*NoSuchBucket/);

    await postcard(['media-hosting', 'set', '--endpoint', loopback.s3.endpoint, '--region', loopback.s3.region, '--bucket', 'mms-media'], s3Env);
    await postcard(['accounts', 'add', 'telnyx', '--name', 'Tel', '--from', '+14155550100', '--base-url', loopback.fake.url], { POSTCARD_TELNYX_API_KEY: fakeCredentials.telnyx.apiKey });
    const image = join(dir, 'sale.png');
    writeFileSync(image, await sharp({ create: { width: 800, height: 600, channels: 3, background: '#e67e22' } }).png().toBuffer());
    const sent = await postcard(['send', '--account', 'Tel', '--to', '+14155550142', '--body', 'Sale!', '--media', image, '--json'], {
      ...s3Env,
      POSTCARD_TELNYX_API_KEY: fakeCredentials.telnyx.apiKey,
    });
    expect(sent.stderr).toBe('');
    const line = JSON.parse(sent.stdout.trim()) as { providerMessageId: string; status: string; mediaUrls: string[] };
    expect(line.mediaUrls).toHaveLength(1);
    expect(line.mediaUrls[0]).toContain('X-Amz-Signature=');
    expect(loopback.fake.messagesTo('+14155550142')[0]?.mediaUrls).toEqual(line.mediaUrls);
    const served = await fetch(line.mediaUrls[0]!);
    expect(served.status).toBe(200);
  });
});
