import type Database from 'better-sqlite3';
import { createLinkHandler } from './links';
import { startWebhookListener, type WebhookListener } from './webhooks';
import type { ProviderSecrets } from '../providers/account';
import type { ProviderMessageStatus, InboundMessage } from '../providers/types';
import type { WebhookEvent } from '../providers/webhooks';
import type { EngineRuntime } from '../engine/runtime';

export interface RunnerListenerOptions {
  host: string;
  port: number;
  /** What providers call (and sign), e.g. https://hooks.example.com. */
  publicUrl: string;
  sqlite: Database.Database;
  runtime: Pick<EngineRuntime, 'applyProviderEvents'>;
  /** The runner's sending accounts: their credentials verify each account's webhooks. */
  accounts: { secretsOf(accountId: string): ProviderSecrets | null };
  now(): number;
  onRefused?(accountId: string, reason: string): void;
  onError?(error: unknown): void;
}

/**
 * The listener of `postcard run --listen`: provider webhooks (verified with the account's
 * credentials, then applied to the engine at once: a STOP stops the very next drain) and the
 * tracked-link redirect, on one node:http server.
 */
export function startRunnerListener(options: RunnerListenerOptions): Promise<WebhookListener> {
  return startWebhookListener({
    host: options.host,
    port: options.port,
    publicUrl: options.publicUrl,
    now: options.now,
    secretsOf: (accountId) => options.accounts.secretsOf(accountId),
    deliver: (accountId, _kind, events) => {
      const { statuses, inbound } = splitEvents(accountId, events);
      options.runtime.applyProviderEvents(statuses, inbound);
    },
    onRefused: options.onRefused,
    routes: [createLinkHandler({ sqlite: options.sqlite, now: options.now, onError: options.onError })],
  });
}

/** A webhook's events as the runtime takes them; replies remember the account they came through. */
export function splitEvents(accountId: string, events: readonly WebhookEvent[]): { statuses: ProviderMessageStatus[]; inbound: InboundMessage[] } {
  const statuses: ProviderMessageStatus[] = [];
  const inbound: InboundMessage[] = [];
  for (const event of events) {
    if (event.kind === 'status') statuses.push(event.status);
    else inbound.push({ ...event.message, accountId });
  }
  return { statuses, inbound };
}
