/**
 * The messaging providers Postcard sends through for real (the simulator is not one of them: it
 * needs no account). Shared so the API contract, the CLI and the settings page name them alike.
 */
export const providerKinds = ['twilio', 'vonage', 'telnyx'] as const;
export type ProviderKind = (typeof providerKinds)[number];

export const providerNames: Record<ProviderKind, string> = {
  twilio: 'Twilio',
  vonage: 'Vonage',
  telnyx: 'Telnyx',
};

/** What each provider calls its credentials, in the words its console uses. */
export const credentialNames: Record<ProviderKind, string> = {
  twilio: 'Account SID / Auth Token',
  vonage: 'API key / API secret',
  telnyx: 'API key',
};
