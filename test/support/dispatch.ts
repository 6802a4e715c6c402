import type { Postcard } from '../../src/main/app';
import type { ApiError } from '../../src/shared/api/result';

/** Calls the API through the same dispatch as the app; a refusal fails the test with its code and words. */
export async function ok<T>(postcard: Postcard, method: string, input: unknown): Promise<T> {
  const result = await postcard.dispatch(method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

/** Calls the API expecting a refusal; resolves to its error (code and words). */
export async function refused(postcard: Postcard, method: string, input: unknown): Promise<ApiError> {
  const result = await postcard.dispatch(method, input);
  if (result.ok) throw new Error(`${method} was expected to be refused`);
  return result.error;
}
