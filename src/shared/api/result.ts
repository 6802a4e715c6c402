import { mediaErrorCodes } from '../media/types';

/** Errors cross every boundary as data with a stable code; nothing throws across IPC or HTTP. */
export const apiErrorCodes = [
  'INVALID_INPUT',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  'CONFLICT',
  'FLOW_INVALID',
  'FLOW_CORRUPT',
  'DOCUMENT_INVALID',
  'DOCUMENT_TOO_NEW',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'UNAVAILABLE',
  /** The caller cancelled the work (a simulation) before it finished. */
  'CANCELLED',
  'INTERNAL',
  ...mediaErrorCodes,
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export interface ApiError {
  code: ApiErrorCode;
  message: string;
  /** Structured detail for the UI, e.g. the validation issues that blocked a publish. */
  details?: unknown;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): ApiResult<T> => ({ ok: true, value });
export const fail = (code: ApiErrorCode, message: string, details?: unknown): ApiResult<never> => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

/** Thrown inside services; the dispatcher turns it into `{ ok: false, error }`. */
export class PostcardError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'PostcardError';
  }
}
