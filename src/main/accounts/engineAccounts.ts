import { eq } from 'drizzle-orm';
import { PostcardError } from '../../shared/api/result';
import { DEFAULT_PROFILE_ID, type ProfileId } from '../../shared/media/profiles';
import type { PostcardDb } from '../db/open';
import { sendingAccounts } from '../db/schema/accounts';
import { flowVersions } from '../db/schema/flows';
import type { SendingAccounts } from '../engine/sending/accounts';
import type { AccountLimits } from '../engine/sending/discipline';
import type { ProviderAdapter } from '../providers/types';
import type { MediaHostingService } from './mediaHosting';
import type { AccountService } from './service';

type Resolved = { adapter: ProviderAdapter; limits: AccountLimits } | { unavailable: string };

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
    private readonly deps: { db: PostcardDb; accounts: AccountService; hosting: MediaHostingService },
  ) {}

  async refresh(): Promise<void> {
    const accounts = new Map<string, Resolved>();
    for (const row of this.deps.db.select().from(sendingAccounts).all()) {
      try {
        const adapter = await this.deps.accounts.adapterOf(row);
        accounts.set(row.id, { adapter, limits: { mps: row.messagesPerSecond, dailyCap: row.dailyCap } });
      } catch (error) {
        accounts.set(row.id, { unavailable: error instanceof PostcardError ? error.message : `"${row.name}" cannot send: ${String(error)}` });
      }
    }
    this.accounts = accounts;
    const media = new Map<string, readonly string[]>();
    for (const hosted of await this.deps.hosting.hostedUrls()) media.set(`${hosted.assetId}|${hosted.profileId}`, [hosted.url]);
    this.media = media;
  }

  resolve(accountId: string): Resolved {
    return this.accounts.get(accountId) ?? { unavailable: `the sending account ${accountId} is not on this computer (removed, or not read yet)` };
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
