import { InvalidArgumentError, type Command } from 'commander';
import { engineFor } from '../../api/handlers/engine';
import { realSleep, systemClock } from '../../engine/clock';
import { Scheduler } from '../../engine/scheduler';
import { withPostcard } from '../context';

export function register(program: Command): void {
  program
    .command('run')
    .description('run the journey engine headless against the data dir until stopped (Ctrl-C)')
    .option('--until-idle', 'exit once nothing is due within the horizon')
    .option('--horizon <minutes>', 'with --until-idle: how far ahead to look for due work', minutes, 1)
    .action(async (options: { untilIdle?: boolean; horizon: number }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const engine = engineFor(postcard);
        let heldBy: string | null = null;
        let isBusy = false;
        const totals = { ticks: 0, steps: 0, enrolled: 0, sent: 0, receipts: 0, inbound: 0, events: 0 };
        const scheduler = new Scheduler({
          runtime: engine.runtime,
          clock: systemClock,
          sleep: realSleep,
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
