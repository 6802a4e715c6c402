import { providerKinds, providerNames, type ProviderKind } from '../providers/kinds';

/**
 * The credential fields of sending accounts and media hosting: their names, labels and
 * environment variables. Plain data without zod, so the command line can name them in
 * `--help` without loading the validation library (accounts.ts re-exports all of it).
 */
type ProviderId = ProviderKind;

export const providerIds = providerKinds;
export const providerLabels = providerNames;

/**
 * The credential fields each provider takes, in the order a form asks for them. The last of
 * Vonage's and Telnyx's are optional: they only verify the provider's signed webhooks (Twilio
 * signs its webhooks with the Auth Token), so an account sends without them, but a runner that
 * listens for webhooks refuses every one from an account that has none.
 */
export const providerSecretFields = {
  twilio: ['accountSid', 'authToken'],
  vonage: ['apiKey', 'apiSecret', 'signatureSecret'],
  telnyx: ['apiKey', 'publicKey'],
} as const satisfies Record<ProviderId, readonly string[]>;
export type ProviderSecretField = (typeof providerSecretFields)[ProviderId][number];

/** The credentials an account can do without (it sends; only its webhooks cannot be verified). */
export const webhookSecretFields = ['signatureSecret', 'publicKey'] as const satisfies readonly ProviderSecretField[];
export const isOptionalSecretField = (field: string): boolean => (webhookSecretFields as readonly string[]).includes(field);

export const mediaHostingSecretFields = ['accessKeyId', 'secretAccessKey'] as const;
export type MediaHostingSecretField = (typeof mediaHostingSecretFields)[number];

/** Words for a credential field, as the provider's console names it. */
export const secretFieldLabels: Record<ProviderSecretField | MediaHostingSecretField, string> = {
  accountSid: 'Account SID',
  authToken: 'Auth Token',
  apiKey: 'API key',
  apiSecret: 'API secret',
  signatureSecret: 'Webhook signature secret',
  publicKey: 'Webhook public key',
  accessKeyId: 'Access key ID',
  secretAccessKey: 'Secret access key',
};

/**
 * The environment variable a headless host sets for a credential:
 * POSTCARD_<PROVIDER>_<FIELD>, e.g. POSTCARD_TWILIO_AUTH_TOKEN, POSTCARD_S3_SECRET_ACCESS_KEY.
 */
export function secretEnvName(owner: ProviderId | 's3', field: string): string {
  return `POSTCARD_${owner.toUpperCase()}_${field.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

