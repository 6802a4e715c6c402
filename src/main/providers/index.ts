import type { ProviderAccountConfig, ProviderSecrets } from './account';
import type { HttpProviderAdapter } from './httpAdapter';
import { TelnyxAdapter } from './telnyx';
import { TwilioAdapter } from './twilio';
import { VonageAdapter } from './vonage';

export type { ProviderAccountConfig, ProviderSecrets } from './account';
export type { HttpProviderAdapter } from './httpAdapter';

/**
 * The adapter for a sending account. The secrets must be the account's provider's; they stay
 * inside the adapter (in its Authorization header) and are never part of a result or message.
 */
export function createProviderAdapter(account: ProviderAccountConfig, secrets: ProviderSecrets): HttpProviderAdapter {
  if (secrets.provider !== account.provider) {
    throw new Error(`account ${account.id} is a ${account.provider} account but was given ${secrets.provider} credentials`);
  }
  switch (secrets.provider) {
    case 'twilio':
      return new TwilioAdapter(account, secrets);
    case 'vonage':
      return new VonageAdapter(account, secrets);
    case 'telnyx':
      return new TelnyxAdapter(account, secrets);
  }
}
