import { openKeychain } from './keychain';
import { environmentSecretStore, secretStoreOver, type SecretStore } from './store';

export type { SecretRef, SecretStore, SecretValue } from './store';
export { environmentSecretStore, lazySecretStore } from './store';

/**
 * The secret store under plain Node (the CLI, `postcard serve`, `postcard run`): the OS keychain
 * when this host has one that works, otherwise the environment. The Electron shell builds its
 * own over safeStorage (src/main/electron/secrets.ts).
 */
export async function createNodeSecretStore(options: { env?: NodeJS.ProcessEnv; useKeychain?: boolean } = {}): Promise<SecretStore> {
  const env = options.env ?? process.env;
  // POSTCARD_SECRETS=env keeps a host (a CI runner, a test) off the keychain altogether.
  const keychain = options.useKeychain === false || env.POSTCARD_SECRETS === 'env' ? null : await openKeychain();
  if (!keychain) return environmentSecretStore(env);
  return secretStoreOver(
    keychain,
    { kind: 'keychain', isPersistent: true, description: "Credentials are kept in this computer's keychain, encrypted by the operating system." },
    env,
  );
}
