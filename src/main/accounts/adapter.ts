import type { ProviderAccountConfig, ProviderSecrets } from '../providers/account';
import type { ProviderAdapter } from '../providers/types';

export type { ProviderAccountConfig, ProviderSecrets } from '../providers/account';

/** What accounts need of a provider adapter: a send, a status lookup, a harmless test call. */
export type AccountAdapter = Pick<ProviderAdapter, 'send' | 'lookupStatus' | 'testConnection'>;

/** Makes the adapter for an account and its credentials (createProviderAdapter in the app). */
export type AccountAdapterFactory = (account: ProviderAccountConfig, secrets: ProviderSecrets) => AccountAdapter;
