import type { ProviderErrorClass } from '../../shared/engine/types';

/**
 * Error classification shared by adapters: provider codes first (from their public error
 * references), then the HTTP status. Unknown 4xx are permanent, 5xx and network errors retry.
 */
const knownCodes: Record<string, ProviderErrorClass> = {
  // Twilio
  '20429': 'rate_limited',
  '21610': 'opted_out',
  '21211': 'invalid_number',
  '21614': 'invalid_number',
  '21635': 'invalid_number',
  '30003': 'permanent',
  '30005': 'invalid_number',
  '30006': 'invalid_number',
  '30007': 'content_rejected',
  '30019': 'mms_unsupported',
  '30008': 'retryable',
  // Telnyx
  '40300': 'opted_out',
  '40310': 'invalid_number',
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
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === undefined || httpStatus >= 500 || httpStatus === 408) return 'retryable';
  return 'permanent';
}

export const isTransient = (errorClass: ProviderErrorClass): boolean => errorClass === 'retryable' || errorClass === 'rate_limited';
