import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { TestSendResult, TestSendStatus, TestSendStatusResult } from '../../shared/api/accounts';
import { TestSendInput } from '../../shared/api/accounts';
import { PostcardError } from '../../shared/api/result';
import type { Channel } from '../../shared/engine/types';
import type { ProfileId } from '../../shared/media/profiles';
import { DEFAULT_PROFILE_ID } from '../../shared/media/profiles';
import type { OutputMime } from '../../shared/media/types';
import { renderTemplate } from '../../shared/template';
import type { PostcardDb } from '../db/open';
import { contacts } from '../db/schema/engine';
import type { MediaService } from '../media/service';
import type { FlowService } from '../services/flows';
import type { ProviderAdapter, ProviderMessageStatus, SendResult } from '../providers/types';
import type { MediaHostingService } from './mediaHosting';
import type { AccountService } from './service';

export interface TestSendDeps {
  db: PostcardDb;
  accounts: AccountService;
  hosting: MediaHostingService;
  media: MediaService;
  flows: FlowService;
}

/** The message to send: a flow step's, or a body of its own, with media when there is some. */
interface TestMessage {
  channel: Channel;
  bodySource: string;
  subject: string | null;
  mediaAssetId: string | null;
  profileId: ProfileId;
}

/**
 * "Send a test to my phone": renders one message for a sample contact and sends it through the
 * account now. It writes nothing to the outbox, enrolls no one and counts in no flow's figures.
 */
export async function sendTest(input: TestSendInput, deps: TestSendDeps): Promise<TestSendResult> {
  const parsed = TestSendInput.parse(input);
  const row = deps.accounts.requireRow(parsed.accountId);
  const message = messageOf(parsed, deps.flows);
  const channels = JSON.parse(row.channelsJson) as Channel[];
  if (!channels.includes(message.channel)) {
    throw new PostcardError('CONFLICT', `"${row.name}" does not carry ${message.channel.toUpperCase()}; allow it in the account's channels or pick another account.`);
  }
  const attributes = parsed.attributes ?? contactAttributes(deps.db, parsed.to);
  let body: string;
  try {
    body = renderTemplate(message.bodySource, { ...attributes, phone: parsed.to });
  } catch (error) {
    throw new PostcardError('INVALID_INPUT', `The message text does not render: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  // The adapter is made (and its credentials checked) before anything is uploaded or sent.
  const adapter = await deps.accounts.adapterOf(row);
  const sent = await sendOutsideFlows(adapter, { to: parsed.to, channel: message.channel, body, subject: message.subject, mediaAssetId: message.mediaAssetId, profileId: message.profileId }, deps);
  if (!sent.result.ok) {
    throw new PostcardError('UNAVAILABLE', sent.result.message, { code: sent.result.code, errorClass: sent.result.errorClass });
  }
  return {
    accountId: row.id,
    providerMessageId: sent.result.providerMessageId,
    status: 'queued',
    channel: message.channel,
    to: parsed.to,
    body,
    mediaUrls: sent.mediaUrls,
    detail: null,
    code: null,
  };
}

/** One rendered message, sent now to one number. */
export interface OutsideMessage {
  to: string;
  channel: Channel;
  body: string;
  subject: string | null;
  mediaAssetId: string | null;
  profileId: ProfileId;
}

/**
 * A message sent outside every flow ("send a test", "walk the flow on my phone"): straight to the
 * adapter, with its media hosted first when the adapter needs a URL, under a key of its own. No
 * outbox row, no enrollment: it counts in no flow's figures.
 */
export async function sendOutsideFlows(
  adapter: ProviderAdapter,
  message: OutsideMessage,
  deps: Pick<TestSendDeps, 'hosting' | 'media'>,
): Promise<{ result: SendResult; mediaUrls: string[] }> {
  // The simulator takes the asset itself; a real provider fetches it from the bucket.
  const needsUrl = message.mediaAssetId !== null && message.channel === 'mms' && adapter.capabilities.isTransactional !== true;
  const mediaUrls = needsUrl ? [await hostedUrl(message.mediaAssetId as string, message.profileId, deps)] : [];
  const result = await adapter.send({
    idempotencyKey: `test-${randomUUID()}`,
    to: message.to,
    channel: message.channel,
    body: message.body,
    subject: message.subject,
    mediaRef: message.mediaAssetId,
    mediaUrls,
    now: Date.now(),
  });
  return { result, mediaUrls };
}

/** Where a test message stands now, asked of the provider. */
export async function testSendStatus(accountId: string, providerMessageId: string, accounts: AccountService): Promise<TestSendStatusResult> {
  const adapter = await accounts.adapterOf(accounts.requireRow(accountId));
  if (!adapter.lookupStatus) {
    return { providerMessageId, status: 'unknown', detail: 'This provider reports status by webhook only; Postcard cannot look it up.', code: null };
  }
  const status: ProviderMessageStatus | null = await adapter.lookupStatus(providerMessageId);
  if (!status) return { providerMessageId, status: 'unknown', detail: 'The provider does not know this message (yet).', code: null };
  return { providerMessageId, status: status.state satisfies TestSendStatus, detail: status.detail, code: status.code };
}

function messageOf(input: ReturnType<typeof TestSendInput.parse>, flows: FlowService): TestMessage {
  if (input.body !== undefined) {
    const mediaAssetId = input.mediaAssetId ?? null;
    return {
      channel: mediaAssetId ? 'mms' : 'sms',
      bodySource: input.body,
      subject: mediaAssetId && input.subject ? input.subject : null,
      mediaAssetId,
      profileId: input.sendProfileId ?? DEFAULT_PROFILE_ID,
    };
  }
  const { graph, settings } = flows.get(input.flowId as never);
  const node = graph.nodes.find((candidate) => candidate.id === input.nodeId);
  if (!node) throw new PostcardError('NOT_FOUND', `The flow has no step "${input.nodeId}".`);
  if (node.kind === 'sms') return { channel: 'sms', bodySource: node.config.body, subject: null, mediaAssetId: null, profileId: settings.sendProfileId };
  if (node.kind === 'mms') {
    return {
      channel: 'mms',
      bodySource: node.config.body,
      subject: node.config.subject || null,
      mediaAssetId: input.mediaAssetId === undefined ? node.config.mediaAssetId : input.mediaAssetId,
      profileId: settings.sendProfileId,
    };
  }
  throw new PostcardError('INVALID_INPUT', `Step "${input.nodeId}" is a ${node.kind} step; a test sends an MMS or SMS step.`);
}

function contactAttributes(db: PostcardDb, phone: string): Record<string, unknown> {
  const row = db.select({ json: contacts.attributesJson }).from(contacts).where(eq(contacts.phone, phone)).get();
  if (!row) return {};
  try {
    const value: unknown = JSON.parse(row.json);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The rendition for the profile, in the bucket (uploaded unless it already is), as a URL. */
export async function hostedUrl(assetId: string, profileId: ProfileId, deps: Pick<TestSendDeps, 'hosting' | 'media'>): Promise<string> {
  const rendition = await deps.media.render(assetId, profileId, { includeData: true });
  if (!rendition.fitsBudget) {
    throw new PostcardError('CONFLICT', `The media does not fit the ${profileId} budget even at its smallest; pick another image.`);
  }
  const bytes = Buffer.from((rendition.dataUrl ?? '').replace(/^data:[^,]*,/, ''), 'base64');
  const hosted = await deps.hosting.host({ assetId, profileId, mime: rendition.mime as OutputMime, bytes });
  return hosted.url;
}
