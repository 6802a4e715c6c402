import { resolve } from 'node:path';
import { Argument, InvalidArgumentError, type Command } from 'commander';
// Names and labels from the zod-free module: `postcard --help` loads this file, and zod costs
// more to load than the rest of the command put together.
import {
  isOptionalSecretField,
  mediaHostingSecretFields,
  providerIds,
  providerLabels,
  providerSecretFields,
  secretEnvName,
  secretFieldLabels,
} from '../../../shared/api/accountFields';
import type {
  AccountsListResult,
  ConnectionTestResult,
  MediaHostingGetResult,
  MediaHostingSettings,
  ProviderId,
  SecretStatus,
  SendingAccount,
  TestSendResult,
} from '../../../shared/api/accounts';
import type { MediaImportResult } from '../../../shared/api/media';
import type { ApiResult } from '../../../shared/api/result';
import { channels as allChannels, type Channel } from '../../../shared/engine/types';
import type { Postcard } from '../../app';
import { readSecret } from '../secrets';
import { CliError, call, withPostcard } from '../context';

interface AddOptions {
  name: string;
  from?: string;
  messagingService?: string;
  messagingProfile?: string;
  baseUrl?: string;
  mps?: number;
  dailyCap?: number;
  channels?: Channel[];
}

export function register(program: Command): void {
  const accounts = program.command('accounts').description('sending accounts (Twilio, Vonage, Telnyx); credentials come from the environment or a prompt');

  accounts
    .command('add')
    .description(`add a sending account; credentials from ${providerIds.map((p) => providerSecretFields[p].map((f) => secretEnvName(p, f)).join(', ')).join('; ')}, or a prompt`)
    .addArgument(new Argument('<provider>', 'twilio, vonage or telnyx').choices(providerIds))
    .requiredOption('--name <name>', 'what to call it (flows and `send --account` use the name)')
    .option('--from <sender>', 'the sender: +E.164 number, short code, Twilio Messaging Service SID (MG…) or Telnyx messaging profile id')
    .option('--messaging-service <sid>', 'Twilio: send through this Messaging Service (its number pool) instead of --from')
    .option('--messaging-profile <id>', 'Telnyx: send through this messaging profile (its number pool) instead of --from')
    .option('--base-url <url>', "instead of the provider's API host: a regional edge, a proxy or a test server")
    .option('--mps <n>', 'messages per second the account may send (default 1)', positiveNumber)
    .option('--daily-cap <n>', 'at most this many messages a day', positiveInteger)
    .option('--channels <list>', 'channels it may carry: sms, mms or sms,mms (default)', channelList)
    .action(async (provider: string, options: AddOptions, command: Command) => {
      if (!isProvider(provider)) throw new CliError(`unknown provider "${provider}"; use ${providerIds.join(', ')}`);
      const sender = senderOf(provider, options);
      const secrets: Record<string, string | undefined> = {};
      for (const field of providerSecretFields[provider]) {
        // The webhook key/secret is optional: asked for at a terminal (Enter skips it), never demanded.
        secrets[field] = await readSecret(secretEnvName(provider, field), `${providerLabels[provider]} ${secretFieldLabels[field]}${isOptionalSecretField(field) ? ' (optional, Enter to skip)' : ''}`, {
          isRequired: !isOptionalSecretField(field),
        });
      }
      await withPostcard(command, async (postcard) => {
        const account = await call<SendingAccount>(postcard, 'accounts.add', {
          provider,
          name: options.name,
          sender,
          baseUrl: options.baseUrl ?? null,
          ...(options.mps !== undefined && { messagesPerSecond: options.mps }),
          ...(options.dailyCap !== undefined && { dailyCap: options.dailyCap }),
          ...(options.channels && { channels: options.channels }),
          secrets,
        });
        console.log(`Added ${providerLabels[provider]} account "${account.name}" (${account.sender}, ${account.messagesPerSecond} msg/s); ${secretWords(account.secrets)}.`);
        const store = (await call<AccountsListResult>(postcard, 'accounts.list', {})).secretStore;
        if (!store.isPersistent) console.log(`Note: ${store.description}`);
      });
    });

  accounts
    .command('list')
    .description('the sending accounts, with which credentials are set (never their values)')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const result = await call<AccountsListResult>(postcard, 'accounts.list', {});
        if (options.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        if (result.accounts.length === 0) console.log('No sending accounts yet: `postcard accounts add twilio --name NAME --from +1…`.');
        for (const account of result.accounts) {
          const cap = account.dailyCap === null ? '' : `, at most ${account.dailyCap}/day`;
          const base = account.baseUrl ? `, via ${account.baseUrl}` : '';
          console.log(`${account.name}\t${providerLabels[account.provider]}\t${account.sender}\t${account.channels.join('+')}\t${account.messagesPerSecond} msg/s${cap}${base}\t${secretWords(account.secrets)}`);
        }
      });
    });

  accounts
    .command('test')
    .description('check the credentials with a harmless call to the provider')
    .argument('<name>', 'the account')
    .action(async (name: string, _options: unknown, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const result = await call<ConnectionTestResult>(postcard, 'accounts.test', { id: accountIdOf(await listed(postcard), name) });
        if (!result.isOk) throw new CliError(result.message);
        console.log(result.message);
      });
    });

  accounts
    .command('remove')
    .description('remove a sending account and its stored credentials')
    .argument('<name>', 'the account')
    .action(async (name: string, _options: unknown, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const id = accountIdOf(await listed(postcard), name);
        await call(postcard, 'accounts.remove', { id });
        console.log(`Removed "${name}".`);
      });
    });

  program
    .command('media-hosting')
    .description('where MMS media is hosted for providers to fetch (an S3-compatible bucket)')
    .command('set')
    .description(`set the bucket; credentials from ${mediaHostingSecretFields.map((f) => secretEnvName('s3', f)).join(' and ')}, or a prompt`)
    .requiredOption('--endpoint <url>', 'the S3 API endpoint, e.g. https://s3.us-east-1.amazonaws.com or https://<account>.r2.cloudflarestorage.com')
    .requiredOption('--region <region>', 'e.g. us-east-1 (auto for R2)')
    .requiredOption('--bucket <name>', 'the bucket')
    .option('--public-base-url <url>', 'objects are public under this URL; without it providers get presigned URLs')
    .option('--presign-hours <n>', 'how long a presigned URL lasts (default 24, at most 168)', positiveNumber)
    .option('--prefix <prefix>', 'key prefix inside the bucket (default postcard/)')
    .action(async (options: { endpoint: string; region: string; bucket: string; publicBaseUrl?: string; presignHours?: number; prefix?: string }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const current = await call<MediaHostingGetResult>(postcard, 'hosting.get', {});
        const secrets: Record<string, string | undefined> = {};
        for (const field of mediaHostingSecretFields) {
          const isSet = current.settings?.secrets.find((s) => s.field === field)?.isSet ?? false;
          secrets[field] = await readSecret(secretEnvName('s3', field), `S3 ${secretFieldLabels[field]}`, { isRequired: !isSet });
        }
        const settings = await call<MediaHostingSettings>(postcard, 'hosting.set', {
          endpoint: options.endpoint,
          region: options.region,
          bucket: options.bucket,
          publicBaseUrl: options.publicBaseUrl ?? null,
          ...(options.presignHours !== undefined && { presignHours: options.presignHours }),
          ...(options.prefix !== undefined && { prefix: options.prefix }),
          secrets,
        });
        const urls = settings.publicBaseUrl ? `public URLs under ${settings.publicBaseUrl}` : `presigned URLs valid ${settings.presignHours} h`;
        console.log(`Media hosting: bucket "${settings.bucket}" at ${settings.endpoint} (${settings.region}), ${urls}; ${secretWords(settings.secrets)}.`);
        const check = await call<ConnectionTestResult>(postcard, 'hosting.test', {});
        if (!check.isOk) throw new CliError(check.message);
        console.log(check.message);
      });
    });

  program
    .command('send')
    .description('send one test message now through an account (counts in no flow statistics)')
    .requiredOption('--account <name>', 'the sending account')
    .requiredOption('--to <e164>', 'the phone to send to, e.g. +14155550100')
    .option('--body <text>', 'the message text')
    .option('--flow <id>', "a flow whose draft step to send (with --node)")
    .option('--node <id>', 'the MMS or SMS step')
    .option('--media <file>', 'an image to send as MMS (imported into the media library, hosted in the bucket)')
    .option('--json', 'print one JSON line: providerMessageId, status, mediaUrls, …')
    .action(async (options: { account: string; to: string; body?: string; flow?: string; node?: string; media?: string; json?: boolean }, command: Command) => {
      if ((options.body === undefined) === (options.flow === undefined || options.node === undefined)) {
        throw new CliError('give either --body TEXT, or --flow ID --node ID');
      }
      await withPostcard(command, async (postcard) => {
        const accountId = accountIdOf(await listed(postcard), options.account);
        let mediaAssetId: string | undefined;
        if (options.media) {
          const imported = await call<MediaImportResult>(postcard, 'media.import', { source: 'path', path: resolve(options.media) });
          mediaAssetId = imported.asset.id;
        }
        const result = (await postcard.dispatch(
          'accounts.sendTest',
          {
            accountId,
            to: options.to,
            ...(options.body !== undefined ? { body: options.body } : { flowId: options.flow, nodeId: options.node }),
            ...(mediaAssetId && { mediaAssetId }),
          },
          { transport: 'cli' },
        )) as ApiResult<TestSendResult>;
        if (!result.ok) {
          const code = (result.error.details as { code?: string } | undefined)?.code ?? null;
          if (options.json) console.log(JSON.stringify({ status: 'refused', code, message: result.error.message }));
          throw new CliError(code && !result.error.message.includes(code) ? `${result.error.message} (${code})` : result.error.message);
        }
        const sent = result.value;
        if (options.json) {
          console.log(JSON.stringify({ providerMessageId: sent.providerMessageId, status: sent.status, channel: sent.channel, to: sent.to, mediaUrls: sent.mediaUrls, body: sent.body }));
          return;
        }
        console.log(`${sent.channel.toUpperCase()} to ${sent.to} ${sent.status}: ${sent.providerMessageId}${sent.mediaUrls.length ? ` (media ${sent.mediaUrls.join(', ')})` : ''}`);
      });
    });
}

/**
 * The account's one sender: --from, or (where the provider has them) a Twilio Messaging Service
 * or a Telnyx messaging profile, whose number pool picks the number. Refused in words when there
 * is none, more than one, or one the provider does not have.
 */
function senderOf(provider: ProviderId, options: AddOptions): string {
  const pools: Array<{ flag: string; value: string | undefined; provider: ProviderId; example: string }> = [
    { flag: '--messaging-service', value: options.messagingService, provider: 'twilio', example: '--messaging-service MG…' },
    { flag: '--messaging-profile', value: options.messagingProfile, provider: 'telnyx', example: '--messaging-profile <profile id>' },
  ];
  for (const pool of pools) {
    if (pool.value !== undefined && pool.provider !== provider) throw new CliError(`${pool.flag} is for ${providerLabels[pool.provider]} accounts; ${providerLabels[provider]} sends from --from`);
  }
  const given = [options.from, ...pools.map((pool) => pool.value)].filter((value): value is string => value !== undefined);
  if (given.length > 1) throw new CliError(`an account has one sender: give --from or ${pools.find((pool) => pool.provider === provider)?.flag ?? ''}, not both`);
  const sender = given[0];
  if (sender !== undefined) return sender;
  const pool = pools.find((candidate) => candidate.provider === provider);
  throw new CliError(
    `say which sender ${providerLabels[provider]} sends from: --from +15551234567 (a number or short code)${pool ? `, or ${pool.example}` : `; ${providerLabels[provider]} has no sender pool, so --from is required`}`,
  );
}

async function listed(postcard: Postcard): Promise<SendingAccount[]> {
  return (await call<AccountsListResult>(postcard, 'accounts.list', {})).accounts;
}

function accountIdOf(accounts: readonly SendingAccount[], name: string): string {
  const found = accounts.find((account) => account.name.toLowerCase() === name.toLowerCase() || account.id === name);
  if (!found) {
    const names = accounts.map((account) => `"${account.name}"`).join(', ');
    throw new CliError(`there is no sending account "${name}"${names ? ` (there are ${names})` : ' (`postcard accounts add` makes one)'}`);
  }
  return found.id;
}

function secretWords(secrets: readonly SecretStatus[]): string {
  return secrets
    .map((s) => `${s.label} ${s.isSet ? `set${s.last4 ? ` ••••${s.last4}` : ''}${s.source === 'environment' ? ` (from ${s.envName})` : ''}` : 'not set'}`)
    .join(', ');
}

const isProvider = (value: string): value is ProviderId => (providerIds as readonly string[]).includes(value);

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

function channelList(value: string): Channel[] {
  const list = value.split(',').map((c) => c.trim().toLowerCase());
  const unknown = list.filter((c) => !(allChannels as readonly string[]).includes(c));
  if (unknown.length > 0 || list.length === 0) throw new InvalidArgumentError(`expected sms, mms or sms,mms`);
  return list as Channel[];
}
