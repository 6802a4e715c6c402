import type Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../db/schema';
import { createProviderAdapter } from '../providers/index';
import { createNodeSecretStore, lazySecretStore, type SecretStore } from '../secrets';
import { StoreSendingAccounts } from './engineAccounts';
import { MediaHostingService } from './mediaHosting';
import { AccountService } from './service';

/** How often a runner re-reads its sending accounts, credentials and hosted media URLs. */
export const ACCOUNTS_REFRESH_MS = 15_000;

/**
 * The sending accounts of the runner that sends (the app's scheduler thread, `postcard run`),
 * over its own connection: accounts and hosted media from the database, credentials from the
 * secret store of plain Node (the OS keychain, else POSTCARD_<PROVIDER>_<FIELD>). `beforeTick`
 * re-reads them when they are older than ACCOUNTS_REFRESH_MS, so a changed account or a new
 * credential is used within seconds.
 */
export function createRunnerAccounts(
  sqlite: Database.Database,
  options: { secrets?: SecretStore; now: () => number; /** `postcard run --public-url`: sends carry their status callback URL. */ webhookBaseUrl?: string | null },
): { accounts: StoreSendingAccounts; beforeTick: () => Promise<void>; refreshNow: () => Promise<void> } {
  const db = drizzle(sqlite, { schema });
  const secrets = options.secrets ?? lazySecretStore(() => createNodeSecretStore());
  const accounts = new StoreSendingAccounts({
    db,
    accounts: new AccountService({ db, secrets, createAdapter: createProviderAdapter }),
    hosting: new MediaHostingService({ db, secrets }),
    webhookBaseUrl: options.webhookBaseUrl ?? null,
  });
  let readAt = Number.NEGATIVE_INFINITY;
  return {
    accounts,
    beforeTick: async () => {
      if (options.now() - readAt < ACCOUNTS_REFRESH_MS) return;
      readAt = options.now();
      await accounts.refresh();
    },
    /** Re-read at once (new credentials were handed over): even a tick under way sends with them. */
    refreshNow: async () => {
      readAt = options.now();
      await accounts.refresh();
    },
  };
}
