import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretBackend } from './store';

/** Encrypts and decrypts one secret; the Electron shell passes safeStorage's pair. */
export interface SecretCipher {
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

interface SealedFile {
  version: 1;
  /** key → base64 of the sealed bytes */
  entries: Record<string, string>;
}

/**
 * Secrets sealed by a cipher the OS guards (Electron's safeStorage: Keychain on macOS, DPAPI on
 * Windows, the Secret Service on Linux), kept in one file beside the database, readable by this
 * user only and replaced atomically on each change. The file alone opens nothing.
 */
export function encryptedFileBackend(file: string, cipher: SecretCipher): SecretBackend {
  let queue: Promise<unknown> = Promise.resolve();
  /** Writers one at a time, so two quick changes never lose one. */
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const load = async (): Promise<SealedFile> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<SealedFile>;
    return { version: 1, entries: typeof parsed.entries === 'object' && parsed.entries !== null ? parsed.entries : {} };
  };
  const save = async (sealed: SealedFile): Promise<void> => {
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${randomUUID()}.tmp`;
    await writeFile(temp, JSON.stringify(sealed), { mode: 0o600 });
    await rename(temp, file);
  };
  return {
    read: async (key) => {
      const sealed = (await load()).entries[key];
      return sealed ? cipher.decrypt(Buffer.from(sealed, 'base64')) : null;
    },
    write: (key, value) =>
      serial(async () => {
        const sealed = await load();
        sealed.entries[key] = cipher.encrypt(value).toString('base64');
        await save(sealed);
      }),
    remove: (key) =>
      serial(async () => {
        const sealed = await load();
        if (!(key in sealed.entries)) return;
        delete sealed.entries[key];
        await save(sealed);
      }),
  };
}
