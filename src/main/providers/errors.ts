import type { ProviderErrorClass } from '../../shared/engine/types';
import { credentialNames, providerNames, type ProviderKind } from '../../shared/providers/kinds';

/**
 * Error classification shared by adapters: provider codes first (from their published error
 * references), then the HTTP status. 401/403 are the account's fault, 429 waits, unknown 4xx are
 * permanent, 5xx and network errors retry. The codes of the three providers do not overlap
 * (Twilio five digits from 11xxx to 3xxxx, Telnyx 1xxxx and 4xxxx, Vonage four digits or words).
 */
const knownCodes: Record<string, ProviderErrorClass> = {
  // Twilio (twilio.com/docs/api/errors)
  '20003': 'auth_failed', // Authenticate: wrong Account SID / Auth Token
  '20005': 'auth_failed', // account not active
  '20429': 'rate_limited',
  '30001': 'retryable', // queue overflow
  '30002': 'auth_failed', // account suspended
  '21606': 'sender_refused', // 'From' is not a message-capable number of this account for this destination
  '21212': 'sender_refused', // invalid 'From' number
  '21659': 'sender_refused', // 'From' is not a Twilio number or short code of this account
  '21660': 'sender_refused', // mismatch between the 'From' number and the account
  '21603': 'sender_refused', // a 'From' number is required
  '14102': 'sender_refused', // 'From' is not a number this account can message from
  '21701': 'sender_refused', // the Messaging Service does not exist
  '21703': 'sender_refused', // the Messaging Service has no phone number to send from
  '30032': 'sender_refused', // (receipt) the toll-free number has not been verified
  '30034': 'sender_refused', // (receipt) message from a number not registered for US A2P 10DLC
  '21610': 'opted_out', // recipient replied STOP
  '21211': 'invalid_number', // invalid 'To'
  '21614': 'invalid_number', // 'To' is not a mobile number
  '21635': 'invalid_number', // 'To' is a landline
  '30003': 'permanent', // unreachable handset
  '30005': 'invalid_number', // unknown destination handset
  '30006': 'invalid_number', // landline or unreachable carrier
  '30007': 'content_rejected', // carrier filtered it
  '30008': 'retryable', // unknown error
  '30011': 'mms_unsupported', // MMS not supported by the receiving number in this region
  '30019': 'mms_unsupported', // content size exceeds the carrier's limit
  '11751': 'mms_unsupported', // media exceeds the mobile operator's size limit
  '21617': 'content_rejected', // body over 1600 characters
  // Telnyx (developers.telnyx.com: API error codes, messaging error codes)
  '10009': 'auth_failed', // authentication failed
  '10010': 'auth_failed', // authorization failed
  '10011': 'rate_limited',
  '10002': 'invalid_number',
  '10016': 'invalid_number', // must be +E.164
  '40001': 'invalid_number', // not routable: landline or non-routable number
  '40002': 'retryable', // blocked as spam, temporary
  '40003': 'permanent', // sending number blocked as spam for good
  '40004': 'retryable', // rejected by destination, retry after a delay
  '40006': 'retryable', // recipient carrier unavailable
  '40008': 'permanent', // undeliverable
  '40009': 'content_rejected',
  '40011': 'rate_limited', // upstream rate limit
  '40012': 'invalid_number',
  '40300': 'opted_out', // blocked: the recipient sent STOP
  '40310': 'invalid_number', // invalid 'to'
  '40013': 'sender_refused', // the carrier rejected the sending number
  '40100': 'sender_refused', // the number is not enabled for messaging
  '40305': 'sender_refused', // 'from' is not a number of the messaging profile
  '40306': 'sender_refused', // alphanumeric sender not configured on the profile
  '40307': 'sender_refused', // 'from' is not the profile's alphanumeric sender
  '40321': 'sender_refused', // the profile's number pool has no usable number
  '40308': 'mms_unsupported', // this 'from' cannot send MMS (send it as SMS)
  '40317': 'mms_unsupported', // MMS content over Telnyx's limits (more than 10 media or 1 MB)
  // Vonage Messages API (developer.vonage.com/api-errors/messages; RFC 7807 `type` fragments)
  '1000': 'rate_limited', // throttled
  '1030': 'retryable', // internal error
  '1040': 'invalid_number', // unrecognised number prefix
  '1050': 'opted_out', // number barred: Vonage blocks a recipient who opted out
  '1060': 'auth_failed', // account barred
  '1070': 'auth_failed', // out of credit
  '1100': 'retryable', // communication failed
  '1120': 'sender_refused', // illegal sender address: the `from` was not accepted
  unauthorized: 'auth_failed',
  forbidden: 'auth_failed',
  'account-suspended': 'auth_failed',
  'low-balance': 'auth_failed',
  'invalid-api-key': 'auth_failed',
  'jwt-expired': 'auth_failed',
  throttled: 'rate_limited',
  'rate-limit': 'rate_limited',
  // Simulator
  SIM_RATE_LIMITED: 'rate_limited',
  SIM_TEMPORARY: 'retryable',
  SIM_MMS_UNSUPPORTED: 'mms_unsupported',
  SIM_MMS_REJECTED: 'mms_unsupported',
  SIM_UNREACHABLE: 'permanent',
  SIM_OPTED_OUT: 'opted_out',
  SIM_INVALID_NUMBER: 'invalid_number',
  SIM_CONTENT_REJECTED: 'content_rejected',
};

export function classifyProviderError(code: string, httpStatus?: number): ProviderErrorClass {
  const known = knownCodes[code];
  if (known) return known;
  if (httpStatus === 401 || httpStatus === 403) return 'auth_failed';
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === undefined || httpStatus >= 500 || httpStatus === 408) return 'retryable';
  return 'permanent';
}

/** Worth another try later: the message itself was not refused (auth_failed waits for the account to be fixed). */
export const isTransient = (errorClass: ProviderErrorClass): boolean =>
  errorClass === 'retryable' || errorClass === 'rate_limited' || isAccountFault(errorClass);

/** The account, not the message, is at fault (credentials, a sender it may not use): stop sending on it until someone fixes it. */
export const isAccountFault = (errorClass: ProviderErrorClass): boolean => errorClass === 'auth_failed' || errorClass === 'sender_refused';

/** "Twilio refused the Account SID / Auth Token (20003)", with the provider's own words after, if any. */
export function authFailureMessage(provider: ProviderKind, code: string, providerWords?: string | null): string {
  const head = `${providerNames[provider]} refused the ${credentialNames[provider]} (${code})`;
  return providerWords ? `${head}: ${providerWords}` : head;
}

/** "Twilio refused the sender +15550001111: (21606) The From phone number …". */
export function senderRefusalMessage(provider: ProviderKind, sender: string, code: string, providerWords?: string | null): string {
  const head = `${providerNames[provider]} refused the sender ${sender}: (${code})`;
  return providerWords ? `${head} ${providerWords}` : head;
}
