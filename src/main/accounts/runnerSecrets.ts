import { mediaHostingSecretFields, providerSecretFields, type ProviderId } from '../../shared/api/accounts';
import type { PostcardDb } from '../db/open';
import { sendingAccounts } from '../db/schema/accounts';
import { secretStoreOver, type SecretStore } from '../secrets/store';
import { hostingSecretRef } from './mediaHosting';
import { accountSecretRef } from './service';

/**
 * Credentials the scheduler thread needs, handed to it by the process that can read them. In the
 * desktop app they are sealed with Electron's safeStorage, which only the main process can open:
 * it reads every sending account's credentials and the media hosting keys (stored or from the
 * environment) and posts them to the thread over its message port, never through argv,
 * workerData or a log, and again whenever accounts change.
 */
export type HandedSecrets = Record<string, string>;

/** Every credential a runner could use, by its store key, read through the main process's store. */
export async function collectRunnerSecrets(db: PostcardDb, store: SecretStore): Promise<HandedSecrets> {
  const refs = [
    ...db
      .select({ id: sendingAccounts.id, provider: sendingAccounts.provider })
      .from(sendingAccounts)
      .all()
      .flatMap((row) => providerSecretFields[row.provider as ProviderId].map((field) => accountSecretRef(row.id, row.provider as ProviderId, field))),
    ...mediaHostingSecretFields.map((field) => hostingSecretRef(field)),
  ];
  const handed: HandedSecrets = {};
  for (const ref of refs) {
    const secret = await store.get(ref);
    if (secret) handed[ref.key] = secret.value;
  }
  return handed;
}

/**
 * The thread's side: a read-only store over what it was handed (replaced whole on each handover),
 * falling back to POSTCARD_<PROVIDER>_<FIELD> like every store.
 */
export function handedSecretStore(env: NodeJS.ProcessEnv = process.env): { store: SecretStore; replace(values: HandedSecrets): void } {
  let values = new Map<string, string>();
  const store = secretStoreOver(
    {
      read: async (key) => values.get(key) ?? null,
      write: async () => {
        throw new Error('the scheduler thread does not store credentials; the app does');
      },
      remove: async () => {
        throw new Error('the scheduler thread does not store credentials; the app does');
      },
    },
    { kind: 'safe-storage', isPersistent: true, description: 'Credentials handed over by the app, which keeps them sealed.' },
    env,
  );
  return { store, replace: (next) => void (values = new Map(Object.entries(next))) };
}
