import type { Channel, ProviderErrorClass } from '../../shared/engine/types';
import type { ProviderId } from '../../shared/api/accounts';
import type { SendRequest, SendResult } from '../providers/types';

/**
 * What accounts need of a provider adapter (a send, a status lookup, a harmless test call), and
 * the factory that makes one from an account and its credentials.
 */
export interface ProviderAccountConfig {
  id: string;
  provider: ProviderId;
  from: string | null;
  messagingServiceSid?: string | null;
  messagingProfileId?: string | null;
  channels: readonly Channel[];
  mps: number;
  dailyCap: number | null;
  baseUrl?: string | null;
}

export type ProviderSecrets =
  | { provider: 'twilio'; accountSid: string; authToken: string }
  | { provider: 'vonage'; apiKey: string; apiSecret: string }
  | { provider: 'telnyx'; apiKey: string };

/** A send as the adapters take it, with the public URLs of any MMS media. */
export type AccountSendRequest = SendRequest & { mediaUrls?: readonly string[] };

export interface AccountMessageStatus {
  providerMessageId: string;
  state: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';
  code: string | null;
  errorClass: ProviderErrorClass | null;
  detail: string | null;
  at: number;
}

export type ConnectionCheck = { ok: true; detail: string } | { ok: false; errorClass: ProviderErrorClass; code: string; message: string };

export interface AccountAdapter {
  send(request: AccountSendRequest): Promise<SendResult>;
  lookupStatus?(providerMessageId: string): Promise<AccountMessageStatus | null>;
  testConnection?(): Promise<ConnectionCheck>;
}

export type AccountAdapterFactory = (account: ProviderAccountConfig, secrets: ProviderSecrets) => AccountAdapter;
