import type { SecretStoreInfo } from '../../shared/api/accounts';

/**
 * Where credentials live. Never the database, a flow document, an export or a log: the store
 * keeps them encrypted (Electron's safeStorage in the app, the OS keychain under plain Node) or,
 * on a headless host without a keychain, reads them from POSTCARD_<PROVIDER>_<FIELD>
 * environment variables. Every store falls back to that variable for a secret it does not hold,
 * so a runner configured by environment works beside any of them.
 */
export interface SecretRef {
  /** Stable name in the store, e.g. `account/acc_x1y2/authToken` or `media-hosting/secretAccessKey`. */
  key: string;
  /** The environment variable a headless host sets instead, e.g. POSTCARD_TWILIO_AUTH_TOKEN. */
  envName: string;
}

export interface SecretValue {
  value: string;
  source: 'stored' | 'environment';
}

export interface SecretStore {
  describe(): Promise<SecretStoreInfo>;
  get(ref: SecretRef): Promise<SecretValue | null>;
  set(ref: SecretRef, value: string): Promise<void>;
  delete(ref: SecretRef): Promise<void>;
}

/** Where a store keeps what it holds itself; each backend implements these three. */
export interface SecretBackend {
  read(key: string): Promise<string | null>;
  write(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** A backend plus the environment fallback. */
export function secretStoreOver(backend: SecretBackend, info: SecretStoreInfo, env: NodeJS.ProcessEnv = process.env): SecretStore {
  return {
    describe: async () => info,
    async get(ref) {
      const stored = await backend.read(ref.key);
      if (stored) return { value: stored, source: 'stored' };
      const fromEnv = env[ref.envName]?.trim();
      return fromEnv ? { value: fromEnv, source: 'environment' } : null;
    },
    set: (ref, value) => backend.write(ref.key, value),
    delete: (ref) => backend.remove(ref.key),
  };
}

/**
 * For hosts with no keychain: the environment is the only lasting source. A credential typed
 * in (the browser mode on such a host) is held in this process's memory until it stops, and
 * the settings page says so.
 */
export function environmentSecretStore(env: NodeJS.ProcessEnv = process.env): SecretStore {
  const session = new Map<string, string>();
  return secretStoreOver(
    {
      read: async (key) => session.get(key) ?? null,
      write: async (key, value) => void session.set(key, value),
      remove: async (key) => void session.delete(key),
    },
    {
      kind: 'environment',
      isPersistent: false,
      description:
        'This computer offers no keychain, so Postcard reads credentials from POSTCARD_… environment variables; a credential typed here lasts until Postcard stops.',
    },
    env,
  );
}

/** Opens the real store on first use, so a command that touches no secret never probes a keychain. */
export function lazySecretStore(open: () => Promise<SecretStore>): SecretStore {
  let store: Promise<SecretStore> | null = null;
  const use = (): Promise<SecretStore> => (store ??= open());
  return {
    describe: async () => (await use()).describe(),
    get: async (ref) => (await use()).get(ref),
    set: async (ref, value) => (await use()).set(ref, value),
    delete: async (ref) => (await use()).delete(ref),
  };
}
