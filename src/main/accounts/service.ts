import { randomBytes } from 'node:crypto';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import {
  AccountInput,
  AccountUpdate,
  isOptionalSecretField,
  providerLabels,
  providerSecretFields,
  secretEnvName,
  secretFieldLabels,
  senderKindOf,
  senderProblem,
  type AccountsListResult,
  type ConnectionTestResult,
  type ProviderId,
  type ProviderSecretField,
  type SendingAccount,
  type SenderKind,
} from '../../shared/api/accounts';
import { PostcardError } from '../../shared/api/result';
import type { Channel } from '../../shared/engine/types';
import type { PostcardDb } from '../db/open';
import { sendingAccounts } from '../db/schema/accounts';
import { flows, flowVersions } from '../db/schema/flows';
import type { SecretRef, SecretStore } from '../secrets';
import type { AccountAdapter, AccountAdapterFactory, ProviderAccountConfig, ProviderSecrets } from './adapter';
import { secretStatuses } from './secretStatus';

type AccountRow = typeof sendingAccounts.$inferSelect;

/** Where an account's credential is kept (and the variable a headless host sets instead). */
export const accountSecretRef = (accountId: string, provider: ProviderId, field: ProviderSecretField): SecretRef => ({
  key: `account/${accountId}/${field}`,
  envName: secretEnvName(provider, field),
});

/**
 * Sending accounts: the data lives in SQLite, the credentials in the secret store under the
 * account's id. What leaves this class for the renderer carries secrets as a status only.
 */
export class AccountService {
  private readonly db: PostcardDb;
  private readonly secrets: SecretStore;
  private readonly createAdapter: AccountAdapterFactory;

  constructor(deps: { db: PostcardDb; secrets: SecretStore; createAdapter: AccountAdapterFactory }) {
    this.db = deps.db;
    this.secrets = deps.secrets;
    this.createAdapter = deps.createAdapter;
  }

  async list(): Promise<AccountsListResult> {
    const rows = this.db.select().from(sendingAccounts).orderBy(sql`lower(${sendingAccounts.name})`).all();
    return { accounts: await Promise.all(rows.map((row) => this.summaryOf(row))), secretStore: await this.secrets.describe() };
  }

  async get(id: string): Promise<SendingAccount> {
    return this.summaryOf(this.requireRow(id));
  }

  /** By id, or by name (any case): the CLI names accounts, the app passes ids. */
  find(idOrName: string): AccountRow | undefined {
    return (
      this.db.select().from(sendingAccounts).where(eq(sendingAccounts.id, idOrName)).get() ??
      this.db
        .select()
        .from(sendingAccounts)
        .where(sql`lower(${sendingAccounts.name}) = lower(${idOrName})`)
        .get()
    );
  }

  async add(input: AccountInput): Promise<SendingAccount> {
    const parsed = AccountInput.parse(input);
    const senderKind = checkSender(parsed.provider, parsed.sender);
    this.checkNameFree(parsed.name);
    const id = `acc_${randomBytes(10).toString('hex')}`;
    // Secrets before the row: an account never exists pointing at credentials that were not kept.
    await this.storeSecrets(id, parsed.provider, parsed.secrets);
    const now = new Date().toISOString();
    this.db
      .insert(sendingAccounts)
      .values({
        id,
        name: parsed.name,
        provider: parsed.provider,
        sender: parsed.sender,
        senderKind,
        channelsJson: JSON.stringify(parsed.channels),
        messagesPerSecond: parsed.messagesPerSecond,
        dailyCap: parsed.dailyCap,
        baseUrl: parsed.baseUrl,
        createdAt: now,
        updatedAt: now,
      })
      .run();
    return this.get(id);
  }

  async update(input: AccountUpdate): Promise<SendingAccount> {
    const parsed = AccountUpdate.parse(input);
    const row = this.requireRow(parsed.id);
    const provider = row.provider as ProviderId;
    const senderKind = parsed.sender === undefined ? undefined : checkSender(provider, parsed.sender);
    if (parsed.name !== undefined && parsed.name.toLowerCase() !== row.name.toLowerCase()) this.checkNameFree(parsed.name);
    await this.storeSecrets(row.id, provider, parsed.secrets);
    this.db
      .update(sendingAccounts)
      .set({
        ...(parsed.name !== undefined && { name: parsed.name }),
        ...(parsed.sender !== undefined && { sender: parsed.sender, senderKind }),
        ...(parsed.channels !== undefined && { channelsJson: JSON.stringify(parsed.channels) }),
        ...(parsed.messagesPerSecond !== undefined && { messagesPerSecond: parsed.messagesPerSecond }),
        ...(parsed.dailyCap !== undefined && { dailyCap: parsed.dailyCap }),
        ...(parsed.baseUrl !== undefined && { baseUrl: parsed.baseUrl }),
        updatedAt: new Date().toISOString(),
      })
      .where(eq(sendingAccounts.id, row.id))
      .run();
    return this.get(row.id);
  }

  /** Refused while a flow is set to send through it: that flow would fall silent. */
  async remove(id: string): Promise<{ id: string }> {
    const row = this.requireRow(id);
    const users = this.flowsUsing(row.id);
    if (users.length > 0) {
      throw new PostcardError(
        'CONFLICT',
        `"${row.name}" sends ${users.map((flow) => `"${flow.name}"`).join(', ')}; choose another sending account in ${users.length === 1 ? 'that flow' : 'those flows'} first.`,
        { flows: users },
      );
    }
    this.db.delete(sendingAccounts).where(eq(sendingAccounts.id, row.id)).run();
    for (const field of providerSecretFields[row.provider as ProviderId]) await this.secrets.delete(accountSecretRef(row.id, row.provider as ProviderId, field));
    return { id: row.id };
  }

  /** A harmless authenticated call through the account's adapter, answered in words. */
  async test(id: string): Promise<ConnectionTestResult> {
    const row = this.requireRow(id);
    const adapter = await this.adapterOf(row);
    const label = providerLabels[row.provider as ProviderId];
    if (!adapter.testConnection) return { isOk: false, message: `Postcard cannot check ${label} credentials without sending.`, code: null };
    const check = await adapter.testConnection();
    if (check.ok) return { isOk: true, message: check.detail, code: null };
    return { isOk: false, message: check.message, code: check.code };
  }

  /**
   * The adapter for an account, with its credentials; a missing credential is named, with where
   * to put it. `statusCallbackUrl` (a runner that listens for webhooks) goes with every send.
   */
  async adapterOf(row: AccountRow, options: { statusCallbackUrl?: string | null } = {}): Promise<AccountAdapter> {
    return this.createAdapter({ ...configOf(row), statusCallbackUrl: options.statusCallbackUrl ?? null }, await this.secretsOf(row));
  }

  /** The account's credentials (the webhook listener verifies signatures with them); never for the renderer. */
  async secretsOf(row: AccountRow): Promise<ProviderSecrets> {
    const provider = row.provider as ProviderId;
    const values: Partial<Record<ProviderSecretField, string>> = {};
    const missing: string[] = [];
    for (const field of providerSecretFields[provider]) {
      const secret = await this.secrets.get(accountSecretRef(row.id, provider, field));
      if (secret) values[field] = secret.value;
      else if (!isOptionalSecretField(field)) missing.push(`${secretFieldLabels[field]} (or ${secretEnvName(provider, field)})`);
    }
    if (missing.length > 0) {
      throw new PostcardError('CONFLICT', `"${row.name}" has no ${missing.join(' and ')}: enter ${missing.length === 1 ? 'it' : 'them'} in Settings → Sending accounts.`);
    }
    return secretsOf(provider, values);
  }

  requireRow(id: string): AccountRow {
    const row = this.find(id);
    if (!row) throw new PostcardError('NOT_FOUND', `There is no sending account "${id}".`);
    return row;
  }

  private checkNameFree(name: string): void {
    const clash = this.db
      .select({ id: sendingAccounts.id })
      .from(sendingAccounts)
      .where(sql`lower(${sendingAccounts.name}) = lower(${name})`)
      .get();
    if (clash) throw new PostcardError('CONFLICT', `There is already a sending account named "${name}".`);
  }

  private async storeSecrets(id: string, provider: ProviderId, secrets: Partial<Record<string, string | undefined>>): Promise<void> {
    const allowed: readonly string[] = providerSecretFields[provider];
    const foreign = Object.keys(secrets).filter((field) => secrets[field] !== undefined && !allowed.includes(field));
    if (foreign.length > 0) {
      throw new PostcardError('INVALID_INPUT', `${providerLabels[provider]} takes ${wordList(allowed.map((f) => secretFieldLabels[f as ProviderSecretField]))}, not ${foreign.join(', ')}.`);
    }
    for (const field of providerSecretFields[provider]) {
      const value = secrets[field];
      if (value) await this.secrets.set(accountSecretRef(id, provider, field), value);
    }
  }

  /** Flows whose draft names the account, or whose published version still sends through it (live or paused). */
  private flowsUsing(accountId: string): { id: string; name: string }[] {
    const names = (json: string, path: 'draft' | 'version'): boolean => {
      try {
        const parsed = JSON.parse(json) as { sendingAccountId?: unknown; settings?: { sendingAccountId?: unknown } };
        return (path === 'draft' ? parsed.sendingAccountId : parsed.settings?.sendingAccountId) === accountId;
      } catch {
        return false;
      }
    };
    const found = new Map<string, string>();
    for (const row of this.db.select({ id: flows.id, name: flows.name, json: flows.settingsJson }).from(flows).where(like(flows.settingsJson, `%${accountId}%`)).all()) {
      if (names(row.json, 'draft')) found.set(row.id, row.name);
    }
    const published = this.db
      .select({ id: flows.id, name: flows.name, json: flowVersions.documentJson })
      .from(flowVersions)
      .innerJoin(flows, eq(flows.id, flowVersions.flowId))
      .where(and(inArray(flows.status, ['live', 'paused']), like(flowVersions.documentJson, `%${accountId}%`)))
      .all();
    for (const row of published) if (names(row.json, 'version')) found.set(row.id, row.name);
    return [...found].map(([id, name]) => ({ id, name }));
  }

  private async summaryOf(row: AccountRow): Promise<SendingAccount> {
    const provider = row.provider as ProviderId;
    return {
      id: row.id,
      name: row.name,
      provider,
      sender: row.sender,
      senderKind: row.senderKind as SenderKind,
      channels: parseChannels(row.channelsJson),
      messagesPerSecond: row.messagesPerSecond,
      dailyCap: row.dailyCap,
      baseUrl: row.baseUrl,
      secrets: await secretStatuses(
        this.secrets,
        providerSecretFields[provider].map((field) => ({ field, ref: accountSecretRef(row.id, provider, field) })),
      ),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }
}

/** "A", "A and B", "A, B and C". */
const wordList = (words: readonly string[]): string => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

function checkSender(provider: ProviderId, sender: string): SenderKind {
  const problem = senderProblem(provider, sender);
  if (problem) throw new PostcardError('INVALID_INPUT', problem);
  return senderKindOf(sender)!;
}

function parseChannels(json: string): Channel[] {
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? list.filter((c): c is Channel => c === 'sms' || c === 'mms') : [];
  } catch {
    return [];
  }
}

/** The account as the adapters take it: the sender goes where its kind belongs. */
export function configOf(row: AccountRow): ProviderAccountConfig {
  const kind = row.senderKind as SenderKind;
  return {
    id: row.id,
    provider: row.provider as ProviderId,
    from: kind === 'number' || kind === 'short_code' ? row.sender : null,
    messagingServiceSid: kind === 'messaging_service' ? row.sender : null,
    messagingProfileId: kind === 'messaging_profile' ? row.sender : null,
    channels: parseChannels(row.channelsJson),
    mps: row.messagesPerSecond,
    dailyCap: row.dailyCap,
    baseUrl: row.baseUrl,
  };
}

function secretsOf(provider: ProviderId, values: Partial<Record<ProviderSecretField, string>>): ProviderSecrets {
  switch (provider) {
    case 'twilio':
      return { provider, accountSid: values.accountSid!, authToken: values.authToken! };
    case 'vonage':
      return { provider, apiKey: values.apiKey!, apiSecret: values.apiSecret!, ...(values.signatureSecret && { signatureSecret: values.signatureSecret }) };
    case 'telnyx':
      return { provider, apiKey: values.apiKey!, ...(values.publicKey && { publicKey: values.publicKey }) };
  }
}
