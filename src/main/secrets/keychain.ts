import type { AsyncEntry as KeyringEntry } from '@napi-rs/keyring';
import type { SecretBackend } from './store';

/** The keychain service name Postcard's entries are filed under (one entry per secret key). */
export const KEYCHAIN_SERVICE = 'Postcard';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux)
 * through @napi-rs/keyring, whose prebuilt binaries come as npm packages for each platform (no
 * download at install, no build). Null when this host has none that works: a headless Linux
 * without a Secret Service daemon reads "nothing stored" but refuses writes, so the probe writes,
 * reads back and deletes one entry before trusting it.
 */
export async function openKeychain(service = KEYCHAIN_SERVICE): Promise<SecretBackend | null> {
  let AsyncEntry: typeof KeyringEntry;
  try {
    ({ AsyncEntry } = await import('@napi-rs/keyring'));
  } catch {
    return null; // no binary for this platform
  }
  const entry = (key: string) => new AsyncEntry(service, key);
  try {
    const probe = entry('probe');
    const marker = `probe-${process.pid}-${Date.now()}`;
    await probe.setPassword(marker);
    const readBack = await probe.getPassword();
    await probe.deletePassword();
    if (readBack !== marker) return null;
  } catch {
    return null;
  }
  return {
    read: async (key) => (await entry(key).getPassword()) ?? null,
    write: async (key, value) => entry(key).setPassword(value),
    remove: async (key) => void (await entry(key).deletePassword()),
  };
}
