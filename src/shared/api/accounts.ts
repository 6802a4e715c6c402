import { z } from 'zod';
import { channels, type Channel } from '../engine/types';
import { profileIds, type ProfileId } from '../media/profiles';
import { MEDIA_ASSET_ID_PATTERN } from '../media/types';
import type { ProviderKind } from '../providers/kinds';
import { method } from './method';
import { providerIds, providerLabels } from './accountFields';

export * from './accountFields';

/**
 * Sending accounts (Twilio, Vonage, Telnyx), media hosting (an S3-compatible bucket) and test
 * sends. Secrets go in (add, update, set) and never come back: answers carry a SecretStatus.
 */

export const ProviderId = z.enum(providerIds);
export type ProviderId = ProviderKind;

/** How a sender is named to the provider. */
export const senderKinds = ['number', 'short_code', 'messaging_service', 'messaging_profile'] as const;
export const SenderKind = z.enum(senderKinds);
export type SenderKind = z.infer<typeof SenderKind>;

export const senderKindLabels: Record<SenderKind, string> = {
  number: 'Phone number',
  short_code: 'Short code',
  messaging_service: 'Twilio Messaging Service SID',
  messaging_profile: 'Telnyx messaging profile ID',
};

/** Which sender kinds each provider has. */
export const providerSenderKinds: Record<ProviderId, readonly SenderKind[]> = {
  twilio: ['number', 'short_code', 'messaging_service'],
  vonage: ['number', 'short_code'],
  telnyx: ['number', 'short_code', 'messaging_profile'],
};

const senderPatterns: Record<SenderKind, { pattern: RegExp; words: string }> = {
  number: { pattern: /^\+[1-9]\d{6,14}$/, words: 'a phone number in E.164 form, like +14155550100' },
  short_code: { pattern: /^\d{3,8}$/, words: 'a short code of 3 to 8 digits' },
  messaging_service: { pattern: /^MG[0-9a-fA-F]{32}$/, words: 'a Messaging Service SID (MG and 32 hex digits)' },
  messaging_profile: { pattern: /^[0-9a-fA-F-]{36}$/, words: 'a messaging profile ID (a UUID)' },
};

/** Reads what a --from or a form field holds: +E.164 a number, digits a short code, MG… a service, a UUID a profile. */
export function senderKindOf(sender: string): SenderKind | null {
  for (const kind of senderKinds) if (senderPatterns[kind].pattern.test(sender)) return kind;
  return null;
}

/** Null when the sender suits the provider, otherwise what is wrong in words. */
export function senderProblem(provider: ProviderId, sender: string): string | null {
  const kind = senderKindOf(sender);
  const allowed = providerSenderKinds[provider];
  if (!kind) return `"${sender}" is not a sender ${providerLabels[provider]} knows: use ${allowed.map((k) => senderPatterns[k].words).join(', or ')}`;
  if (!allowed.includes(kind)) return `${providerLabels[provider]} has no ${senderKindLabels[kind]} senders; use ${allowed.map((k) => senderPatterns[k].words).join(', or ')}`;
  return null;
}

const name = z
  .string()
  .trim()
  .min(1, 'give the account a name')
  .max(60, 'a name is at most 60 characters')
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a name cannot hold control characters');
const secretValue = z
  .string()
  .trim()
  .min(1, 'a credential cannot be blank')
  .max(512, 'a credential is at most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'a credential is printable ASCII without spaces');
const httpUrl = z
  .string()
  .trim()
  .max(500)
  .url('expected a URL like https://api.example.com')
  .refine((value) => /^https?:\/\//i.test(value), 'expected an http:// or https:// URL');
export const accountIdPattern = /^acc_[a-z0-9]{10,40}$/;
export const AccountId = z.string().regex(accountIdPattern, 'not an account id');
const ChannelSet = z
  .array(z.enum(channels))
  .min(1, 'an account carries at least one channel')
  .transform((list) => [...new Set(list)] as Channel[]);

export const MAX_ACCOUNT_MPS = 10_000;

const accountFields = {
  name,
  sender: z.string().trim().min(1, 'say which sender the account sends from').max(64),
  channels: ChannelSet,
  messagesPerSecond: z
    .number('must be a number, such as 1 or 0.5')
    .positive('must be more than 0')
    .max(MAX_ACCOUNT_MPS, `must be at most ${MAX_ACCOUNT_MPS.toLocaleString('en-US')}`),
  dailyCap: z
    .number('must be a whole number, or empty for no cap')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100_000_000, 'must be at most 100,000,000')
    .nullable(),
  baseUrl: httpUrl.nullable(),
};

/** Base64 of exactly 32 bytes, checked without Node's Buffer (this module runs in the renderer too). */
function isEd25519PublicKey(value: string): boolean {
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(value)) return false;
  try {
    return atob(value.length === 43 ? `${value}=` : value).length === 32;
  } catch {
    return false;
  }
}

/** Credentials as typed into a form or read from the environment; a blank field is left as it was. */
const AccountSecrets = z.object({
  accountSid: secretValue.optional(),
  authToken: secretValue.optional(),
  apiKey: secretValue.optional(),
  apiSecret: secretValue.optional(),
  signatureSecret: secretValue.optional(),
  /** Telnyx shows it in the portal (Keys & Credentials → Public Key) as Base64 of 32 bytes. */
  publicKey: secretValue
    .refine((value) => isEd25519PublicKey(value), 'the Telnyx public key is the Base64 text of 32 bytes (an Ed25519 key), as the Telnyx portal shows it')
    .optional(),
}).strict();
export type AccountSecrets = z.infer<typeof AccountSecrets>;

export const AccountInput = z
  .object({
    provider: ProviderId,
    ...accountFields,
    channels: ChannelSet.default(['sms', 'mms']),
    messagesPerSecond: accountFields.messagesPerSecond.default(1),
    dailyCap: accountFields.dailyCap.default(null),
    baseUrl: accountFields.baseUrl.default(null),
    secrets: AccountSecrets.default({}),
  })
  .strict();
export type AccountInput = z.input<typeof AccountInput>;

export const AccountUpdate = z
  .object({
    id: AccountId,
    name: accountFields.name.optional(),
    sender: accountFields.sender.optional(),
    channels: ChannelSet.optional(),
    messagesPerSecond: accountFields.messagesPerSecond.optional(),
    dailyCap: accountFields.dailyCap.optional(),
    baseUrl: accountFields.baseUrl.optional(),
    secrets: AccountSecrets.default({}),
  })
  .strict();
export type AccountUpdate = z.input<typeof AccountUpdate>;

/** What the renderer may know of a secret: whether it is set, and where from. Never the value. */
export interface SecretStatus {
  field: string;
  label: string;
  isSet: boolean;
  /** The last 4 characters, for telling two credentials apart; absent for short secrets. */
  last4: string | null;
  /** Kept by Postcard's secret store, or read from this host's environment variable. */
  source: 'stored' | 'environment' | null;
  envName: string;
}

export interface SendingAccount {
  id: string;
  name: string;
  provider: ProviderId;
  sender: string;
  senderKind: SenderKind;
  channels: Channel[];
  messagesPerSecond: number;
  dailyCap: number | null;
  baseUrl: string | null;
  secrets: SecretStatus[];
  createdAt: string;
  updatedAt: string;
}

/** Where this host keeps credentials, so the settings page can say so. */
export interface SecretStoreInfo {
  kind: 'safe-storage' | 'keychain' | 'environment';
  /** False when credentials typed here last only until Postcard stops (environment-only hosts). */
  isPersistent: boolean;
  description: string;
}

export interface AccountsListResult {
  accounts: SendingAccount[];
  secretStore: SecretStoreInfo;
}

export interface ConnectionTestResult {
  isOk: boolean;
  /** The answer in words: "Twilio accepted the credentials" or "Twilio refused the Account SID / Auth Token (20003)". */
  message: string;
  code: string | null;
}

export const testSendStatuses = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'unknown'] as const;
export type TestSendStatus = (typeof testSendStatuses)[number];

export interface TestSendResult {
  accountId: string;
  providerMessageId: string;
  status: TestSendStatus;
  channel: Channel;
  to: string;
  body: string;
  mediaUrls: string[];
  /** The provider's words for a failure, once there is one. */
  detail: string | null;
  code: string | null;
}

export interface TestSendStatusResult {
  providerMessageId: string;
  status: TestSendStatus;
  detail: string | null;
  code: string | null;
}

const e164 = z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'expected a phone number in E.164 form, like +14155550100');
const mediaAssetId = z.string().regex(MEDIA_ASSET_ID_PATTERN, 'not a media id (a sha-256 in hex)');
const flowRef = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a flow id');
const nodeRef = z.string().min(1).max(64);

export const TestSendInput = z
  .object({
    accountId: AccountId,
    to: e164,
    /** Either a body of its own, or a message step of a flow's draft. */
    body: z.string().max(1600).optional(),
    mediaAssetId: mediaAssetId.nullable().optional(),
    /** With a body of its own: an MMS subject, and the send profile its media is sized for. */
    subject: z.string().max(80).optional(),
    sendProfileId: z.enum(profileIds as [ProfileId, ...ProfileId[]]).optional(),
    flowId: flowRef.optional(),
    nodeId: nodeRef.optional(),
    /** The sample contact's attributes the message is rendered with; absent: the contact with that number, if any. */
    attributes: z.record(z.string().max(64), z.string().max(1000)).optional(),
  })
  .strict()
  .refine((input) => (input.body !== undefined) !== (input.flowId !== undefined && input.nodeId !== undefined), {
    message: 'give either a body, or a flow and one of its message steps',
  });
export type TestSendInput = z.input<typeof TestSendInput>;

/**
 * "Walk the whole flow on my phone": every message of a flow's draft, sent now, in order, to one
 * number, through the flow's sending account (the simulator when it has none), following the
 * branches and splits as the sample contact would and skipping every wait. Outside every flow's
 * figures, like a test send.
 */
export const WalkFlowInput = z
  .object({
    flowId: flowRef,
    to: e164,
    /** The sample contact the flow is walked as: its phone decides splits, its attributes branches and text. */
    samplePhone: e164.optional(),
    attributes: z.record(z.string().max(64), z.string().max(1000)).optional(),
  })
  .strict();
export type WalkFlowInput = z.input<typeof WalkFlowInput>;

export interface WalkedStep {
  nodeId: string;
  kind: string;
  /** What happened at the step, in words ("skipped the wait of 1 day", "matched \"VIP\""). */
  note: string;
  /** Set for message steps. */
  message?: {
    channel: Channel;
    body: string;
    status: 'queued' | 'failed';
    providerMessageId: string | null;
    code: string | null;
    detail: string | null;
  };
}

export interface WalkFlowResult {
  /** The account that sent, or null for the built-in simulator. */
  accountId: string | null;
  to: string;
  steps: WalkedStep[];
  /** How the walk ended ("completed", "no_path", a failure). */
  ended: string;
}

export const MAX_PRESIGN_HOURS = 24 * 7;

export const MediaHostingInput = z
  .object({
    endpoint: httpUrl,
    region: z.string().trim().min(1, 'say the bucket\'s region (e.g. us-east-1, or auto for R2)').max(64).regex(/^[a-z0-9-]+$/, 'a region looks like us-east-1'),
    bucket: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name is 3-63 lowercase letters, digits, dots or hyphens'),
    /** Objects are public under this URL; without it Postcard hands out presigned GET URLs. */
    publicBaseUrl: httpUrl.nullable().default(null),
    /** Presigned URLs must outlive the provider's retries: hours, not minutes (S3 allows up to 7 days). */
    presignHours: z.number().min(1 / 3600).max(MAX_PRESIGN_HOURS).default(24),
    /** Key prefix inside the bucket. */
    prefix: z.string().trim().max(100).regex(/^[A-Za-z0-9._/-]*$/, 'a prefix holds letters, digits, . _ / -').default('postcard/'),
    secrets: z.object({ accessKeyId: secretValue.optional(), secretAccessKey: secretValue.optional() }).strict().default({}),
  })
  .strict();
export type MediaHostingInput = z.input<typeof MediaHostingInput>;

export interface MediaHostingSettings {
  endpoint: string;
  region: string;
  bucket: string;
  publicBaseUrl: string | null;
  presignHours: number;
  prefix: string;
  secrets: SecretStatus[];
  updatedAt: string;
}

export interface MediaHostingGetResult {
  /** Null until media hosting is set up. */
  settings: MediaHostingSettings | null;
  secretStore: SecretStoreInfo;
}

/**
 * Where an account's sending stands, as the engine that sends through it last said: sending
 * normally, or held back (its breaker open after failing calls or refused credentials, the
 * provider's request to slow down, the daily cap, or any other hold the engine names) with the
 * engine's own words and when it tries again.
 */
export interface AccountSendingStatus {
  accountId: string;
  name: string;
  /** 'ok' when nothing holds it back, 'unknown' before the engine has sent through it; otherwise the engine's kind of hold ('paused:failures', 'paused:auth', 'probing', 'rate_limited', 'daily_cap', …). */
  kind: string;
  /** The engine's sentence, null when sending normally. ISO instants in it are for the app to show in the user's zone. */
  words: string | null;
  /** When it sends again on its own, when the engine knows. */
  resumesAt: string | null;
  /** When the engine last reported on this account. */
  reportedAt: string | null;
}

export interface AccountSendingStatesResult {
  accounts: AccountSendingStatus[];
}

/** The change event pushed when an account's sending state changes (the renderer asks `accounts.sendingStates` again). */
export const SENDING_STATES_CHANGED = 'accounts.sendingChanged';

export const accountsContract = {
  'accounts.list': method(z.object({}).strict()).returns<AccountsListResult>(),
  'accounts.add': method(AccountInput).returns<SendingAccount>(),
  'accounts.update': method(AccountUpdate).returns<SendingAccount>(),
  'accounts.remove': method(z.object({ id: AccountId }).strict()).returns<{ id: string }>(),
  /** Checks the credentials with a harmless call; the answer is in words either way. */
  'accounts.test': method(z.object({ id: AccountId }).strict()).returns<ConnectionTestResult>(),
  /** Sends one message now; it belongs to no flow and counts in no statistics. */
  'accounts.sendTest': method(TestSendInput).returns<TestSendResult>(),
  'accounts.walkFlow': method(WalkFlowInput).returns<WalkFlowResult>(),
  /** Each account's sending state in words (paused by its breaker, rate-limited, capped for the day, or sending). */
  'accounts.sendingStates': method(z.object({}).strict()).returns<AccountSendingStatesResult>(),
  'accounts.testStatus': method(z.object({ accountId: AccountId, providerMessageId: z.string().min(1).max(128) }).strict()).returns<TestSendStatusResult>(),
  'hosting.get': method(z.object({}).strict()).returns<MediaHostingGetResult>(),
  'hosting.set': method(MediaHostingInput).returns<MediaHostingSettings>(),
  /** Puts a small object, reads it back through the URL a provider would get, and deletes it. */
  'hosting.test': method(z.object({}).strict()).returns<ConnectionTestResult>(),
} as const;
