import { InvalidArgumentError, type Command } from 'commander';
import { CliError, withPostcard } from '../context';

export function register(program: Command): void {
  program
    .command('run')
    .description('run the journey engine headless against the data dir until stopped (Ctrl-C)')
    .option('--until-idle', 'exit once nothing is due within the horizon')
    .option('--horizon <minutes>', 'with --until-idle: how far ahead to look for due work', minutes, 1)
    .option('--listen <host:port>', 'serve provider webhooks (POST /webhooks/<account>/status|inbound) and tracked links (GET /l/<code>) here', hostPort)
    .option('--public-url <url>', 'with --listen: the address providers reach the listener at (what they sign); sends carry <url>/webhooks/<account>/status', publicUrl)
    .action(async (options: { untilIdle?: boolean; horizon: number; listen?: ListenAddress; publicUrl?: string }, command: Command) => {
      if (options.listen && !options.publicUrl) throw new CliError('--listen needs --public-url: the address providers call, which their signatures cover (e.g. --public-url https://hooks.example.com).');
      if (options.publicUrl && !options.listen) throw new CliError('--public-url needs --listen HOST:PORT: the address to serve the webhooks on.');
      const [{ createRunnerAccounts }, { EngineService }, { realSleep, systemClock }, { Scheduler }, listener] = await Promise.all([
        import('../../accounts/runnerAccounts'),
        import('../../engine/service'),
        import('../../engine/clock'),
        import('../../engine/scheduler'),
        import('../../http/runnerListener'),
      ]);
      await withPostcard(command, async (postcard) => {
        // This runner sends: its engine sends through the sending accounts, with their credentials.
        const sending = createRunnerAccounts(postcard.sqlite, { now: () => systemClock.now(), webhookBaseUrl: options.publicUrl ?? null });
        const engine = new EngineService({ sqlite: postcard.sqlite, accounts: sending.accounts });
        let listening: { url: string; close(): Promise<void> } | null = null;
        if (options.listen && options.publicUrl) {
          // Credentials are read before the first request, so a callback is verified from the start.
          await sending.beforeTick();
          listening = await listener.startRunnerListener({
            host: options.listen.host,
            port: options.listen.port,
            publicUrl: options.publicUrl,
            sqlite: postcard.sqlite,
            runtime: engine.runtime,
            accounts: sending.accounts,
            now: () => systemClock.now(),
            onRefused: (accountId, reason) => console.error(`postcard run: refused a webhook for ${accountId}: ${reason}`),
            onError: (error) => console.error('postcard run: listener:', error instanceof Error ? error.message : error),
          });
          console.error(`postcard run: listening on ${listening.url} for provider webhooks (${options.publicUrl.replace(/\/+$/, '')}/webhooks/<account>/status and /inbound) and tracked links (/l/<code>).`);
        }
        let heldBy: string | null = null;
        let isBusy = false;
        const totals = { ticks: 0, steps: 0, enrolled: 0, sent: 0, receipts: 0, inbound: 0, events: 0 };
        const scheduler = new Scheduler({
          runtime: engine.runtime,
          clock: systemClock,
          sleep: realSleep,
          beforeTick: sending.beforeTick,
          onTick: (report) => {
            // Said once per holder: the app (or another `postcard run`) is already sending from this data dir.
            if (report.heldBy && report.heldBy.runnerId !== heldBy) {
              console.error(
                `postcard run: another runner (${report.heldBy.runnerId}) is sending from this data dir; waiting until it stops or its lease lapses (${new Date(report.heldBy.until).toISOString()}).`,
              );
            }
            heldBy = report.heldBy?.runnerId ?? null;
            if (report.leaseLost) {
              console.error('postcard run: this runner lost the database lease (it was paused longer than the lease); it stopped sending and waits.');
            }
            if (report.busy && !isBusy) {
              console.error('postcard run: the database is busy (another process is writing, e.g. an import); waiting.');
            }
            isBusy = report.busy;
            totals.ticks++;
            totals.steps += report.steps;
            totals.enrolled += report.enrolled;
            totals.sent += report.sent;
            totals.receipts += report.receipts;
            totals.inbound += report.inbound;
            totals.events += report.events;
          },
          onError: (error) => console.error('postcard run:', error instanceof Error ? error.message : error),
        });
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          if (options.untilIdle) {
            await scheduler.runUntilIdle(options.horizon * 60_000, controller.signal);
          } else {
            console.error('Postcard engine running; Ctrl-C to stop.');
            scheduler.start();
            await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
            await scheduler.stop();
          }
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          await listening?.close();
        }
        console.log(JSON.stringify(totals));
      });
    });
}

function minutes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 60 * 24 * 365) throw new InvalidArgumentError('expected minutes from 0 to 525600');
  return n;
}

interface ListenAddress {
  host: string;
  port: number;
}

/** HOST:PORT, or [IPv6]:PORT; port 0 takes a free one (printed at start). */
function hostPort(value: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535) throw new InvalidArgumentError('expected HOST:PORT, e.g. 0.0.0.0:8787 or [::1]:8787');
  return { host: (match[1] ?? match[2]) as string, port };
}

function publicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL, e.g. https://hooks.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('expected an http(s) URL');
  if (url.search || url.hash) throw new InvalidArgumentError('the public URL takes no ?query or #fragment');
  return url.toString().replace(/\/+$/, '');
}
