import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { SimulationResult } from '../../../shared/engine/types';
import { CliError, withPostcard } from '../context';

interface SimulateFlags {
  contacts: number;
  days: number;
  seed: number;
  start?: string;
  json?: boolean;
  smsPrice?: number;
  mmsPrice?: number;
  smsClickRate?: number;
  mmsClickRate?: number;
  conversionRate?: number;
  replyRate?: number;
  orderValue?: number;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('dry-run a flow document over virtual time with synthetic contacts (never touches your data)')
    .argument('<flow>', 'a flow document (.json), e.g. one written by `postcard flows export`')
    .option('-c, --contacts <n>', 'synthetic contacts', integer(1, 1_000_000), 1000)
    .option('--days <d>', 'how many days of virtual time', number(0.01, 90), 7)
    .option('-s, --seed <s>', 'random seed: the same seed and --start give the same result', integer(0, 2 ** 32 - 1), 1)
    .option('--start <when>', 'when virtual time starts: an ISO date-time, or "YYYY-MM-DD HH:MM" in the flow\'s time zone (default: now)')
    .option('--json', 'print the full result as one JSON object')
    .option('--sms-price <price>', "price of one SMS segment where the workspace's price table names no country (default: the table's)", number(0, 10))
    .option('--mms-price <price>', "price of one MMS where the workspace's price table names no country (default: the table's)", number(0, 10))
    .option('--sms-click-rate <rate>', 'share of delivered SMS whose link is tapped: 0–1 or a percentage such as 6% (default: the built-in rate)', share())
    .option('--mms-click-rate <rate>', 'share of delivered MMS whose link is tapped', share())
    .option('--conversion-rate <rate>', 'share of those who tap who then do the goal event', share())
    .option('--reply-rate <rate>', 'share of delivered messages answered with a text', share())
    .option('--order-value <amount>', 'typical revenue of one conversion, in the price table currency', number(0, 1_000_000))
    .action(async (file: string, options: SimulateFlags, command: Command) => {
      const [{ MAX_DOCUMENT_BYTES, parseFlowDocument }, { simulateFlow }, { simulationPrices }, { defaultSimulatedEngagement }, { localStart, parseStart, startNow }] = await Promise.all([
        import('../../../shared/flow/document'),
        import('../../engine/simulate'),
        import('../../analytics/cost'),
        import('../../../shared/engine/simulation'),
        import('../startTime'),
      ]);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (text.length > MAX_DOCUMENT_BYTES) throw new CliError(`${file} is larger than a flow document may be`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new CliError(`${file} is not JSON`);
      }
      const parsed = parseFlowDocument(json);
      if (!parsed.ok) throw new CliError(`${file}: ${parsed.error.message}`);
      const zone = parsed.document.settings.defaultTimeZone;
      const startAt = options.start === undefined ? startNow(Date.now()) : parseStart(options.start, zone);
      // Costed at the workspace's price table (per country where it names one), read from the data directory.
      const prices = await withPostcard(command, async (postcard) => simulationPrices(postcard.sqlite, { smsSegmentPrice: options.smsPrice, mmsPrice: options.mmsPrice }));
      const built = defaultSimulatedEngagement();
      const engagement = {
        clickRate: { sms: options.smsClickRate ?? built.clickRate.sms, mms: options.mmsClickRate ?? built.clickRate.mms },
        conversionRate: options.conversionRate ?? built.conversionRate,
        replyRate: options.replyRate ?? built.replyRate,
        orderValue: options.orderValue ?? built.orderValue,
      };
      const result = await simulateFlow(parsed.document, { contacts: options.contacts, days: options.days, seed: options.seed, startAt, prices, engagement });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      printSummary(parsed.document.name, result, localStart(result.startAt, zone));
    });
}

function printSummary(name: string, result: SimulationResult, start: string): void {
  const t = result.totals;
  const lines = [
    `Simulated "${name}": ${t.contacts} contacts over ${result.days} days from ${start} (seed ${result.seed})`,
    `  enrolled ${t.enrolled}; MMS ${t.messagesByChannel.mms}, SMS ${t.messagesByChannel.sms} (${t.smsSegments} segments)`,
    `  delivered ${t.delivered}, failed ${t.failed}, fell back ${t.fellBack} (${(t.fallbackRate * 100).toFixed(1)} %)`,
    `  MMS failed without falling back to SMS ${t.mmsFailedWithoutFallback} (those contacts went on without the message)`,
    `  quiet-hours deferrals ${t.quietHoursDeferrals}, cap skips ${t.capSkips}, opt-outs ${t.optOuts}`,
    `  estimated cost ${result.cost.total.toFixed(2)} ${result.cost.currency}`,
    '  per node: entered / waiting / sent / delivered / failed / fell back / exited',
    ...Object.entries(result.nodeCounts).map(
      ([id, c]) => `    ${id.padEnd(24)} ${[c.entered, c.waiting, c.sent, c.delivered, c.failed, c.fellBack, c.exited].join(' / ')}`,
    ),
  ];
  console.log(lines.join('\n'));
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function number(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

/** A share from 0 to 1, or a percentage ("6%"). */
function share() {
  return (value: string): number => {
    const isPercent = value.trim().endsWith('%');
    const n = Number(isPercent ? value.trim().slice(0, -1) : value) / (isPercent ? 100 : 1);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a share from 0 to 1, or a percentage from 0% to 100%');
    return n;
  };
}
