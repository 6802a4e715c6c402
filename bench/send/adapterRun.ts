import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../src/shared/engine/random';
import { SendingDiscipline } from '../../src/main/engine/sending/discipline';
import type { ProviderAccountConfig, ProviderSecrets } from '../../src/main/providers/account';
import { callProvider } from '../../src/main/providers/http';
import { createProviderAdapter } from '../../src/main/providers/index';
import type { SendRequest, SendResult } from '../../src/main/providers/types';

/**
 * The adapter half of `npm run bench:send`, in one process: N messages through the sending
 * discipline (token bucket at the configured rate) and a real adapter to a loopback fake provider,
 * with at most `concurrency` calls in flight. The whole engine path (SQLite outbox, scheduler,
 * drain) is measured beside it by ./engineRun.ts.
 */
export interface SendBenchOptions {
  account: ProviderAccountConfig;
  secrets: ProviderSecrets;
  messages: number;
  concurrency: number;
  /** The fake's own answer time, subtracted to get the latency Postcard adds. */
  providerLatencyMs: number;
}

export interface SendBenchResult {
  configuredMps: number;
  messages: number;
  accepted: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  achievedMps: number;
  /** Achieved over configured. */
  ratio: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** p99 of (grant → result) minus the provider's own latency: the time Postcard adds to a send. */
  p99AddedMs: number;
  peakRssMb: number;
  /**
   * The heap still in use after the last call's deadline timer is gone and a full collection
   * (when the process runs with --expose-gc): what the run keeps alive, apart from the pages V8
   * grew into and keeps.
   */
  liveHeapMb: number | null;
  cpuSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSendBench(options: SendBenchOptions): Promise<SendBenchResult> {
  const { account, messages, concurrency } = options;
  const adapter = createProviderAdapter(account, options.secrets);
  const clock = (): number => performance.timeOrigin + performance.now();
  const discipline = new SendingDiscipline({ random: seededRandom(1) });
  discipline.configure(account.id, { mps: account.mps, dailyCap: null }, clock());
  const send = (request: SendRequest): Promise<SendResult> => adapter.send(request);

  const latencies = new Float64Array(messages);
  const failures: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let accepted = 0;
  let inFlight = 0;
  const cpuStart = process.cpuUsage();
  const started = clock();
  let wake: (() => void) | null = null;

  const one = async (index: number): Promise<void> => {
    const t0 = performance.now();
    const result = await send({
      idempotencyKey: `bench-${index}`,
      to: `+1555${String(1_000_000 + (index % 9_000_000)).padStart(7, '0')}`,
      channel: 'sms',
      body: `Postcard bench message ${index}`,
      subject: null,
      mediaRef: null,
      now: clock(),
    });
    latencies[index] = performance.now() - t0;
    discipline.record(account.id, result, 1, clock());
    if (result.ok) accepted++;
    else failures[result.code] = (failures[result.code] ?? 0) + 1;
    done++;
    inFlight--;
    wake?.();
  };

  while (next < messages) {
    const room = Math.min(concurrency - inFlight, messages - next);
    if (room === 0) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      continue;
    }
    const grant = discipline.acquire(account.id, room, clock());
    for (let i = 0; i < grant.granted; i++) {
      inFlight++;
      void one(next++);
    }
    // Ask again when the next tokens are in (in short steps: a token arrives every 1/mps s).
    if (grant.granted < room) await sleep(Math.max(1, Math.min(10, (grant.nextAt ?? clock() + 1) - clock())));
  }
  while (done < messages) {
    await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
  }
  const seconds = (clock() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  const achievedMps = Math.round(accepted / seconds);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  let liveHeapMb: number | null = null;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    await sleep(account.timeoutMs ?? 10_000);
    gc();
    liveHeapMb = round(process.memoryUsage().heapUsed / 1_048_576);
  }
  return {
    configuredMps: account.mps,
    messages,
    accepted,
    failed: messages - accepted,
    failures,
    seconds: round(seconds),
    achievedMps,
    ratio: round(achievedMps / account.mps),
    latencyMs: { p50: at(0.5), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? 0) },
    p99AddedMs: round(Math.max(0, at(0.99) - options.providerLatencyMs)),
    peakRssMb,
    liveHeapMb,
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
  };
}

/** The same calls without the adapter or the limiter: the bare HTTP call (callProvider), for the loopback's and the fake's own p99. */
export async function runBareBaseline(url: string, headers: Record<string, string>, body: (i: number) => string, calls: number, concurrency: number): Promise<{ p99Ms: number; p50Ms: number }> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      const t0 = performance.now();
      const outcome = await callProvider({ method: 'POST', url, headers, body: body(i), timeoutMs: 10_000 });
      if (outcome.kind !== 'response') throw new Error(outcome.message);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  return { p50Ms: round(latencies[Math.floor(latencies.length * 0.5)] ?? 0), p99Ms: round(latencies[Math.floor(latencies.length * 0.99)] ?? 0) };
}

const round = (value: number): number => Math.round(value * 100) / 100;
