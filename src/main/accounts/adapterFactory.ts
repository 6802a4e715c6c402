import { PostcardError } from '../../shared/api/result';
import type { AccountAdapterFactory } from './adapter';

/** Stand-in until the HTTP adapters land: says so instead of pretending to send. */
export const createProviderAdapter: AccountAdapterFactory = (account) => {
  throw new PostcardError('UNAVAILABLE', `Sending through ${account.provider} is not available in this build yet.`);
};
