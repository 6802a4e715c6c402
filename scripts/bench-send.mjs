#!/usr/bin/env node
// npm run bench:send [-- MESSAGES] [--engine-only]   (default 100000 per rate; --engine-only: just the
// last run below, the whole path a live flow takes, which is where the engine's own time goes)
// Messages through the sending discipline (token bucket) and the Twilio adapter to a loopback
// fake provider (test/support/fakeProviders.ts, its own process) that answers each send in
// 50 ms, at most 200 calls in flight, at configured rates of 100, 500 and 1,000 messages per
// second. Each rate runs in its own process (its own peak RSS). Reported per rate: achieved
// messages per second (target >= 95 % of configured), p99 of the time from the limiter's grant to
// the result minus the fake's 50 ms (the latency Postcard adds), peak RSS. Baselines measured in
// the same run: the bare HTTP call to the same endpoint at the same concurrency, without adapter
// or limiter (the loopback's and fake's own overhead), and the 1,000 MPS run at a tenth of the
// messages (peak RSS flat in N; also the live heap after a full collection, which tells a leak
// from heap pages V8 grew into and keeps). Then the 1,000 MPS run again through the whole path a
// live flow takes (bench/send/engineRun.ts: SQLite outbox, scheduler, drain, the same adapter).
// Prints one JSON line per run, then a last line with rates, p99AddedMs, peakRssMb and targets.
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const latencyMs = 50;
const concurrency = 200;

async function load() {
  const { register } = await import('tsx/esm/api');
  register();
}

if (process.argv[2] === '--fake') {
  await load();
  const { FakeProviders } = await import('../test/support/fakeProviders.ts');
  const fake = await FakeProviders.start({ latencyMs, isRecording: false });
  process.stdout.write(`${fake.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => fake.close().then(() => process.exit(0)));
} else if (process.argv[2] === '--send' || process.argv[2] === '--bare' || process.argv[2] === '--engine') {
  await load();
  const [, , mode, url, mpsArg, messagesArg] = process.argv;
  const { fakeCredentials } = await import('../test/support/fakeProviders.ts');
  const bench = await import('../bench/send/adapterRun.ts');
  const secrets = { provider: 'twilio', ...fakeCredentials.twilio };
  let result;
  if (mode === '--bare') {
    const basic = `Basic ${Buffer.from(`${secrets.accountSid}:${secrets.authToken}`).toString('base64')}`;
    result = await bench.runBareBaseline(
      `${url}/2010-04-01/Accounts/${secrets.accountSid}/Messages.json`,
      { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      (i) => new URLSearchParams({ To: `+1555${String(1_000_000 + i).padStart(7, '0')}`, From: '+15550001111', Body: `bare ${i}` }).toString(),
      Number(messagesArg),
      Math.min(concurrency, Math.ceil((Number(mpsArg) * latencyMs) / 1000) * 2),
    );
  } else {
    const account = { id: 'bench', provider: 'twilio', from: '+15550001111', channels: ['sms'], mps: Number(mpsArg), dailyCap: null, baseUrl: url, timeoutMs: 10_000 };
    if (mode === '--engine') {
      const { runEngineSendBench } = await import('../bench/send/engineRun.ts');
      result = await runEngineSendBench({ account, secrets, messages: Number(messagesArg) });
    } else {
      result = await bench.runSendBench({ account, secrets, messages: Number(messagesArg), concurrency, providerLatencyMs: latencyMs });
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  const args = process.argv.slice(2);
  const isEngineOnly = args.includes('--engine-only');
  const messages = Number(args.find((arg) => !arg.startsWith('--')) ?? 100_000);
  const fake = spawn(process.execPath, [self, '--fake'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    fake.stdout.once('data', (chunk) => resolve(String(chunk).trim()));
    fake.once('exit', (code) => reject(new Error(`fake provider exited (${code})`)));
  });
  const child = (mode, mps, n) => {
    const run = spawnSync(process.execPath, ['--expose-gc', self, mode, url, String(mps), String(n)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`${mode} ${mps} failed: ${(run.stderr || run.stdout).slice(-2000)}`);
    return JSON.parse(run.stdout.trim().split('\n').pop());
  };
  const round = (v) => Math.round(v * 100) / 100;
  const engineRun = () => {
    const engine = child('--engine', 1_000, messages);
    console.log(JSON.stringify({ run: 'engine drain at 1000 MPS (SQLite outbox, scheduler, adapter)', ...engine }));
    return engine;
  };
  try {
    if (isEngineOnly) engineRun();
    else fullRun();
  } finally {
    fake.stdin.end();
  }

  function fullRun() {
    const bare = child('--bare', 1_000, Math.min(messages, 20_000));
    console.log(JSON.stringify({ run: 'bare HTTP call, same endpoint', ...bare }));
    const runs = [];
    for (const mps of [100, 500, 1_000]) {
      const result = child('--send', mps, messages);
      runs.push(result);
      console.log(JSON.stringify({ run: `send at ${mps} MPS`, ...result }));
    }
    const small = child('--send', 1_000, Math.max(1_000, Math.floor(messages / 10)));
    console.log(JSON.stringify({ run: 'send at 1000 MPS, a tenth of the messages', ...small }));
    const large = runs[runs.length - 1];
    // The whole path a live flow takes: SQLite outbox, scheduler, drain, the same adapter.
    const engine = engineRun();
    const targets = {
      'achievedMps >= 95 % of configured at each rate': runs.every((r) => r.achievedMps >= 0.95 * r.configuredMps),
      'every message accepted': runs.every((r) => r.failed === 0) && engine.accepted === engine.messages,
      'engine drain achievedMps >= 95 % of configured (1000 MPS)': engine.achievedMps >= 0.95 * engine.configuredMps,
      'peakRss flat in N (1000 MPS: N within 25 % of N/10)': large.peakRssMb <= 1.25 * small.peakRssMb,
      // What the run keeps alive (after a full collection), apart from heap pages V8 grew into.
      'live heap flat in N (1000 MPS: N within 25 % + 2 MB of N/10)': large.liveHeapMb <= 1.25 * small.liveHeapMb + 2,
    };
    console.log(
      JSON.stringify({
        summary: 'send',
        node: process.version,
        cpus: cpus().length,
        providerLatencyMs: latencyMs,
        concurrency,
        messagesPerRate: messages,
        rates: runs.map((r) => ({ configuredMps: r.configuredMps, achievedMps: r.achievedMps, ratio: r.ratio, seconds: r.seconds, p99AddedMs: r.p99AddedMs, peakRssMb: r.peakRssMb, liveHeapMb: r.liveHeapMb, cpuSeconds: r.cpuSeconds })),
        engine: { configuredMps: engine.configuredMps, achievedMps: engine.achievedMps, ratio: engine.ratio, seconds: engine.seconds, peakRssMb: engine.peakRssMb, cpuSeconds: engine.cpuSeconds },
        p99AddedMs: Math.max(...runs.map((r) => r.p99AddedMs)),
        bareP99AddedMs: round(Math.max(0, bare.p99Ms - latencyMs)),
        peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
        peakRssMbAtTenthN: small.peakRssMb,
        liveHeapMb: large.liveHeapMb,
        liveHeapMbAtTenthN: small.liveHeapMb,
        targets,
      }),
    );
  }
}
