import { eq } from 'drizzle-orm';
import { PostcardError } from '../../shared/api/result';
import { DEFAULT_PROFILE_ID, type ProfileId } from '../../shared/media/profiles';
import type { PostcardDb } from '../db/open';
import { sendingAccounts } from '../db/schema/accounts';
import { flowVersions } from '../db/schema/flows';
import type { SendingAccounts } from '../engine/sending/accounts';
import type { AccountLimits } from '../engine/sending/discipline';
import type { ProviderSecrets } from '../providers/account';
import type { ProviderAdapter } from '../providers/types';
import type { MediaHostingService } from './mediaHosting';
import type { AccountService } from './service';

/** The runner re-reads its accounts every 15 s (runnerAccounts.ts); an unknown one is looked for again then. */
const NOT_READ_RETRY_MS = 15_000;

type Resolved = { adapter: ProviderAdapter; limits: AccountLimits; secrets: ProviderSecrets } | { unavailable: string };

/**
 * The engine's view of sending accounts (SendingAccounts), over the accounts store, the secret
 * store and media hosting. The drain asks synchronously, while credentials and presigned URLs
 * come asynchronously (keychain, WebCrypto): `refresh()` reads them all ahead, and the runner
 * calls it before a drain and whenever accounts change; answers come from what it read.
 */
export class StoreSendingAccounts implements SendingAccounts {
  private accounts = new Map<string, Resolved>();
  /** `assetId|profileId` → URLs, as of the last refresh. */
  private media = new Map<string, readonly string[]>();
  private profiles = new Map<string, ProfileId>();

  constructor(
    private readonly deps: {
      db: PostcardDb;
      accounts: AccountService;
      hosting: MediaHostingService;
      /**
       * The public URL of this runner's webhook listener (`postcard run --public-url`): each
       * account's sends then ask the provider to post their status to <url>/webhooks/<account>/status.
       */
      webhookBaseUrl?: string | null;
    },
  ) {}

  /** Where an account's status callbacks go, when this runner listens for them. */
  statusCallbackUrlOf(accountId: string): string | null {
    const base = this.deps.webhookBaseUrl?.replace(/\/+$/, '');
    return base ? `${base}/webhooks/${encodeURIComponent(accountId)}/status` : null;
  }

  async refresh(): Promise<void> {
    const accounts = new Map<string, Resolved>();
    for (const row of this.deps.db.select().from(sendingAccounts).all()) {
      try {
        const adapter = await this.deps.accounts.adapterOf(row, { statusCallbackUrl: this.statusCallbackUrlOf(row.id) });
        const secrets = await this.deps.accounts.secretsOf(row);
        accounts.set(row.id, { adapter, limits: { mps: row.messagesPerSecond, dailyCap: row.dailyCap }, secrets });
      } catch (error) {
        accounts.set(row.id, { unavailable: error instanceof PostcardError ? error.message : `"${row.name}" cannot send: ${String(error)}` });
      }
    }
    this.accounts = accounts;
    const media = new Map<string, readonly string[]>();
    for (const hosted of await this.deps.hosting.hostedUrls()) media.set(`${hosted.assetId}|${hosted.profileId}`, [hosted.url]);
    this.media = media;
  }

  resolve(accountId: string): { adapter: ProviderAdapter; limits: AccountLimits } | { unavailable: string; retryInMs?: number } {
    // An account added after the last refresh (an enrollment made at once after adding it) is
    // read at the next refresh: its messages are asked about again then, not minutes later.
    return this.accounts.get(accountId) ?? { unavailable: `the sending account ${accountId} is not on this computer (removed, or not read yet)`, retryInMs: NOT_READ_RETRY_MS };
  }

  /** An account's credentials as of the last refresh (to verify its webhooks), or null. */
  secretsOf(accountId: string): ProviderSecrets | null {
    const resolved = this.accounts.get(accountId);
    return resolved && 'secrets' in resolved ? resolved.secrets : null;
  }

  /** Every account that can be asked now; none when this runner takes replies by webhook instead. */
  replySources(): Array<{ accountId: string; adapter: ProviderAdapter }> {
    if (this.deps.webhookBaseUrl) return [];
    return [...this.accounts].flatMap(([accountId, resolved]) => ('adapter' in resolved ? [{ accountId, adapter: resolved.adapter }] : []));
  }

  mediaUrls(mediaRef: string, flowVersionId: string | null): readonly string[] | null {
    return this.media.get(`${mediaRef}|${this.profileOf(flowVersionId)}`) ?? null;
  }

  /** The send profile a published version's media was hosted for (versions never change, so it is kept). */
  private profileOf(flowVersionId: string | null): ProfileId {
    if (!flowVersionId) return DEFAULT_PROFILE_ID;
    let profile = this.profiles.get(flowVersionId);
    if (!profile) {
      const row = this.deps.db.select({ json: flowVersions.documentJson }).from(flowVersions).where(eq(flowVersions.id, flowVersionId)).get();
      try {
        profile = (JSON.parse(row?.json ?? '{}') as { settings?: { sendProfileId?: ProfileId } }).settings?.sendProfileId ?? DEFAULT_PROFILE_ID;
      } catch {
        profile = DEFAULT_PROFILE_ID;
      }
      this.profiles.set(flowVersionId, profile);
    }
    return profile;
  }
}
