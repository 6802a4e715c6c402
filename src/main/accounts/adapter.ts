import type { ProviderAccountConfig, ProviderSecrets } from '../providers/account';
import type { ProviderAdapter } from '../providers/types';

export type { ProviderAccountConfig, ProviderSecrets } from '../providers/account';

/** A provider adapter as accounts use it: send, status lookup, the harmless test call, and the engine's drain. */
export type AccountAdapter = ProviderAdapter;

/** Makes the adapter for an account and its credentials (createProviderAdapter in the app). */
export type AccountAdapterFactory = (account: ProviderAccountConfig, secrets: ProviderSecrets) => AccountAdapter;
