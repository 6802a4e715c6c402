import { PostcardError } from '../../shared/api/result';
import type { MediaErrorCode } from '../../shared/media/types';

/** A refusal the user can act on; the dispatcher sends it as `{ ok: false, error }`. */
export const mediaError = (code: MediaErrorCode, message: string, details?: unknown): PostcardError =>
  new PostcardError(code, message, details);

export const isMediaError = (error: unknown, code?: MediaErrorCode): error is PostcardError =>
  error instanceof PostcardError && error.code.startsWith('MEDIA_') && (code === undefined || error.code === code);

/** libvips' own words, first line only: enough to tell a user what broke without a stack. */
export const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? '';
