import type { Channel } from '../../shared/engine/types';
import type { ProviderKind } from '../../shared/providers/kinds';

/**
 * A sending account as the adapters need it: data, not secrets (those arrive separately, from
 * safeStorage, the keychain or the environment, and are never stored beside this).
 */
export interface ProviderAccountConfig {
  /** Stable id of the account: the key of its rate limit, cap and breaker, and its webhook path. */
  id: string;
  provider: ProviderKind;
  /** The sender: an E.164 number, a short code, or an alphanumeric sender id. */
  from: string | null;
  /** Twilio: send through this Messaging Service (its number pool) instead of `from`. */
  messagingServiceSid?: string | null;
  /** Telnyx: send through this messaging profile (its number pool) instead of `from`. */
  messagingProfileId?: string | null;
  /** The channels the account may carry. */
  channels: readonly Channel[];
  /** Messages per second the account is allowed (its provider's throughput for the sender). */
  mps: number;
  /** At most this many sends per UTC day, or null. */
  dailyCap: number | null;
  /** Instead of the provider's public API host: a regional edge, a proxy, a local test server. */
  baseUrl?: string | null;
  /** Where the provider should post status callbacks for sends (the webhook listener), if anywhere. */
  statusCallbackUrl?: string | null;
  /** Per HTTP call; a call still unanswered then is abandoned as TIMEOUT (retryable). */
  timeoutMs?: number;
}

export interface TwilioSecrets {
  provider: 'twilio';
  accountSid: string;
  authToken: string;
}

export interface VonageSecrets {
  provider: 'vonage';
  apiKey: string;
  apiSecret: string;
  /** Signs webhooks (HS256) when signed webhooks are on for the account. */
  signatureSecret?: string;
  /** With privateKey: authenticate with a JWT (RS256) for this application instead of Basic. */
  applicationId?: string;
  privateKey?: string;
}

export interface TelnyxSecrets {
  provider: 'telnyx';
  apiKey: string;
  /** The account's Ed25519 public key (base64), to verify webhooks. */
  publicKey?: string;
}

export type ProviderSecrets = TwilioSecrets | VonageSecrets | TelnyxSecrets;

export const defaultTimeoutMs = 10_000;
