// Credentials in the desktop app: sealed by Electron's safeStorage (Keychain on macOS, DPAPI on
// Windows, the Secret Service on Linux) into a file beside the database. Where safeStorage has
// no OS key to use (a Linux without a keyring), the plain-Node store takes over.
import { join } from 'node:path';
import { safeStorage } from 'electron';
import { createNodeSecretStore, lazySecretStore, type SecretStore } from '../secrets';
import { encryptedFileBackend } from '../secrets/encryptedFile';
import { secretStoreOver } from '../secrets/store';

export const SECRETS_FILE = 'secrets.sealed.json';

export function createElectronSecretStore(dataDir: string): SecretStore {
  return lazySecretStore(async () => {
    const isUsable = safeStorage.isEncryptionAvailable() && !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text');
    if (!isUsable) return createNodeSecretStore();
    return secretStoreOver(
      encryptedFileBackend(join(dataDir, SECRETS_FILE), { encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (sealed) => safeStorage.decryptString(sealed) }),
      { kind: 'safe-storage', isPersistent: true, description: 'Credentials are encrypted with a key your operating system keeps for Postcard.' },
    );
  });
}
