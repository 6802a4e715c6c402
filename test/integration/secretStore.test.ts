import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeSecretStore, environmentSecretStore } from '../../src/main/secrets';
import { encryptedFileBackend, type SecretCipher } from '../../src/main/secrets/encryptedFile';
import { secretStoreOver } from '../../src/main/secrets/store';
import { secretEnvName } from '../../src/shared/api/accounts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Stands in for safeStorage: AES-256-GCM under a key the test holds (safeStorage's is the OS's). */
function aesCipher(key = randomBytes(32)): SecretCipher {
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

const tokenRef = { key: 'account/acc_0123456789/authToken', envName: secretEnvName('twilio', 'authToken') };

describe('secret stores', () => {
  it('names the environment variables POSTCARD_<PROVIDER>_<FIELD>', () => {
    expect(secretEnvName('twilio', 'accountSid')).toBe('POSTCARD_TWILIO_ACCOUNT_SID');
    expect(secretEnvName('twilio', 'authToken')).toBe('POSTCARD_TWILIO_AUTH_TOKEN');
    expect(secretEnvName('vonage', 'apiKey')).toBe('POSTCARD_VONAGE_API_KEY');
    expect(secretEnvName('vonage', 'apiSecret')).toBe('POSTCARD_VONAGE_API_SECRET');
    expect(secretEnvName('telnyx', 'apiKey')).toBe('POSTCARD_TELNYX_API_KEY');
    expect(secretEnvName('s3', 'accessKeyId')).toBe('POSTCARD_S3_ACCESS_KEY_ID');
    expect(secretEnvName('s3', 'secretAccessKey')).toBe('POSTCARD_S3_SECRET_ACCESS_KEY');
  });

  it('the sealed file keeps secrets across restarts, holds none in clear, and is readable by its owner only', async () => {
    const file = join(dir, 'secrets.sealed.json');
    const cipher = aesCipher();
    const secret = 'tok_live_5f3c9a1e7b2d4c6e8a0b';
    await secretStoreOver(encryptedFileBackend(file, cipher), { kind: 'safe-storage', isPersistent: true, description: '' }, {}).set(tokenRef, secret);
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
    expect(readFileSync(file, 'utf8')).not.toContain(Buffer.from(secret).toString('base64'));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);

    const reopened = secretStoreOver(encryptedFileBackend(file, cipher), { kind: 'safe-storage', isPersistent: true, description: '' }, {});
    expect(await reopened.get(tokenRef)).toEqual({ value: secret, source: 'stored' });
    await reopened.delete(tokenRef);
    expect(await reopened.get(tokenRef)).toBeNull();
  });

  it('two quick writes both land', async () => {
    const backend = encryptedFileBackend(join(dir, 'secrets.sealed.json'), aesCipher());
    await Promise.all([backend.write('a', 'first-secret'), backend.write('b', 'second-secret')]);
    expect([await backend.read('a'), await backend.read('b')]).toEqual(['first-secret', 'second-secret']);
  });

  it('falls back to the environment variable for a secret it does not hold', async () => {
    const store = environmentSecretStore({ POSTCARD_TWILIO_AUTH_TOKEN: 'from-the-environment-1234' });
    expect(await store.get(tokenRef)).toEqual({ value: 'from-the-environment-1234', source: 'environment' });
    expect((await store.describe()).isPersistent).toBe(false);
    await store.set(tokenRef, 'typed-in-for-this-session');
    expect(await store.get(tokenRef)).toEqual({ value: 'typed-in-for-this-session', source: 'stored' });
  });

  it('under plain Node uses the keychain when it works, and the environment when there is none', async () => {
    const store = await createNodeSecretStore({ env: { POSTCARD_TWILIO_AUTH_TOKEN: 'env-token-abcdef' } });
    const info = await store.describe();
    // Which one depends on the host: a desktop has a keychain, a headless CI box has none.
    expect(['keychain', 'environment']).toContain(info.kind);
    expect(await store.get(tokenRef)).toEqual({ value: 'env-token-abcdef', source: 'environment' });
    const forced = await createNodeSecretStore({ env: { POSTCARD_SECRETS: 'env' } });
    expect((await forced.describe()).kind).toBe('environment');
  });
});
