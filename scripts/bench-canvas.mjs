#!/usr/bin/env node
// `npm run bench:canvas`: opens a generated 1,000-step, 1,200-connection flow in the real app
// (browser mode, headless Chromium) and, in the same run, a bare React Flow page with the same
// graph; prints JSON with time to interactive and frame times while panning and dragging.
// A benchmark, not a test: it prints figures and the targets, and never fails on them.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { register } from 'tsx/esm/api';

const root = join(import.meta.dirname, '..');
const NODES = 1000;
const EDGES = 1200;
const args = new Set(process.argv.slice(2));
const log = (message) => process.stderr.write(`[bench:canvas] ${message}\n`);

const chromiumPath = [process.env.POSTCARD_CHROMIUM, process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p) => p && existsSync(p));
if (!chromiumPath) {
  console.error('bench:canvas needs Chromium: install it (apt-get install chromium) or set POSTCARD_CHROMIUM.');
  process.exit(1);
}

// ---------------------------------------------------------------- the graph
/** Deterministic: the same 1,000 steps and 1,200 connections on every run. */
function generateGraph() {
  let seed = 42;
  const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const kinds = ['wait', 'sms', 'mms', 'branch', 'split', 'sms', 'wait', 'exit'];
  const columns = 25;
  const nodes = [];
  for (let i = 0; i < NODES; i++) {
    const kind = i === 0 ? 'trigger' : kinds[i % kinds.length];
    const config = {
      trigger: { type: 'event', event: 'signed_up', filters: [] },
      wait: { type: 'duration', amount: 1 + (i % 5), unit: 'hours' },
      sms: { body: `Message ${i}: thanks for being with us. Reply STOP to opt out.` },
      mms: { subject: `Offer ${i}`, body: `Picture message ${i}`, mediaAssetId: null, fallbackAfterHours: 24 },
      branch: { conditions: [{ id: 'c1', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' }] },
      split: { variants: [{ id: 'va', label: 'A', weight: 50, isHoldout: false }, { id: 'vb', label: 'B', weight: 50, isHoldout: false }] },
      exit: { reason: 'done' },
    }[kind];
    nodes.push({ id: `n${i}`, kind, label: `${kind} ${i}`, position: { x: (i % columns) * 300, y: Math.floor(i / columns) * 200 }, config });
  }
  const ports = { trigger: ['next'], wait: ['next'], sms: ['next'], mms: ['sent', 'fallback'], branch: ['c1', 'else'], split: ['va', 'vb'], exit: [] };
  const edges = [];
  const open = [];
  for (const node of nodes) for (const port of ports[node.kind]) open.push([node, port]);
  for (const [node, port] of open) {
    if (edges.length >= EDGES) break;
    const index = Number(node.id.slice(1));
    // Mostly down to the next rows, like a real journey; never into the trigger.
    const target = Math.min(NODES - 1, index + columns + Math.floor(random() * 3) - 1);
    if (target === index || target === 0) continue;
    edges.push({ id: `e${edges.length}`, source: node.id, sourcePort: port, target: `n${target}` });
  }
  if (edges.length !== EDGES) throw new Error(`generated ${edges.length} edges, expected ${EDGES}`);
  return { nodes, edges };
}

// ---------------------------------------------------------------- builds
function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

async function buildBare(outDir, graph) {
  const { build } = await import('vite');
  const { default: react } = await import('@vitejs/plugin-react');
  await build({
    root: join(root, 'bench', 'canvas'),
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    // Same output settings as the app's renderer build (minified), so the comparison is about the code.
    build: { outDir, emptyOutDir: true, minify: true },
  });
  writeFileSync(join(outDir, 'graph.json'), JSON.stringify({ nodes: graph.nodes.map((n) => ({ id: n.id, label: n.label, position: n.position })), edges: graph.edges }));
}

function serveStatic(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^([/\\])+/, '') || 'index.html';
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

// ---------------------------------------------------------------- measuring in the page
/**
 * Injected before any page script: records when the canvas first shows measured (visible)
 * nodes and the main thread is free for a frame, and keeps requestAnimationFrame deltas while
 * `__bench.record` is on.
 */
const probe = () => {
  const bench = { interactiveAt: null, record: false, deltas: [] };
  window.__bench = bench;
  let last = null;
  let sawReady = false;
  const tick = (now) => {
    if (bench.interactiveAt === null) {
      const nodes = document.querySelectorAll('.react-flow__node');
      const ready = nodes.length > 0 && [...nodes].every((n) => getComputedStyle(n).visibility !== 'hidden') && document.querySelector('.react-flow__edge-path');
      // One more frame after the first ready one: the canvas painted and the thread is free.
      if (sawReady) bench.interactiveAt = now;
      sawReady = Boolean(ready);
    }
    if (bench.record && last !== null) bench.deltas.push(now - last);
    last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 100) / 100;
};

/** BENCH_PROFILE=1 prints the hottest functions of each gesture (CPU profile via CDP) to stderr. */
async function profiled(page, label, gesture) {
  if (!process.env.BENCH_PROFILE) return gesture();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await gesture();
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  for (const id of profile.samples) {
    const { callFrame } = byId.get(id);
    const key = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').pop()}:${callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + interval);
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_PROFILE_TOP ?? 12));
  log(`${label}: ${top.map(([k, ms]) => `\n    ${ms.toFixed(1)} ms  ${k}`).join('')}`);
}

/** BENCH_PROFILE=1: main-thread time by kind (script, style, layout, the rest: mostly paint) spent during a gesture. */
async function metricsDuring(page, label, gesture) {
  if (!process.env.BENCH_PROFILE) return gesture();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await read();
  await gesture();
  const after = await read();
  const ms = (name) => Math.round((after[name] - before[name]) * 1000);
  const other = ms('TaskDuration') - ms('ScriptDuration') - ms('RecalcStyleDuration') - ms('LayoutDuration');
  log(`  ${label} main thread: task ${ms('TaskDuration')} ms = script ${ms('ScriptDuration')} + style ${ms('RecalcStyleDuration')} + layout ${ms('LayoutDuration')} + other (paint…) ${other}`);
  await cdp.detach();
}

async function recordFrames(page, gesture, label = 'gesture') {
  await page.evaluate(() => {
    window.__bench.deltas = [];
    window.__bench.record = true;
  });
  await metricsDuring(page, label, () => profiled(page, label, gesture));
  const deltas = await page.evaluate(() => {
    window.__bench.record = false;
    return window.__bench.deltas;
  });
  return { p50: percentile(deltas, 50), p95: percentile(deltas, 95), max: percentile(deltas, 100), frames: deltas.length };
}

async function measure(browser, url, canvasSelector) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(probe);
  const page = await context.newPage();
  // Main-thread time by kind during the open (the CPU profile lumps style and layout into "(program)").
  const metricsSession = process.env.BENCH_PROFILE ? await context.newCDPSession(page) : null;
  await metricsSession?.send('Performance.enable');
  await profiled(page, `open ${url.slice(0, 30)}`, async () => {
    await page.goto(url);
    await page.waitForFunction(() => window.__bench.interactiveAt !== null, null, { timeout: 60_000 });
  });
  const interactiveMs = Math.round(await page.evaluate(() => window.__bench.interactiveAt));
  if (process.env.BENCH_PROFILE) {
    const { metrics } = await metricsSession.send('Performance.getMetrics');
    const wanted = ['ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration', 'TaskDuration', 'RecalcStyleCount', 'LayoutCount', 'Nodes', 'JSHeapUsedSize'];
    log(`  metrics: ${metrics.filter((m) => wanted.includes(m.name)).map((m) => `${m.name} ${m.name.endsWith('Duration') ? `${Math.round(m.value * 1000)} ms` : Math.round(m.value)}`).join(', ')}`);
    const dom = await page.evaluate(() => {
      const areas = {};
      for (const el of document.querySelectorAll('*')) {
        const area = ['nodes', 'edges', 'minimap'].find((name) => el.closest(`.react-flow__${name}`)) ?? 'other';
        areas[area] = (areas[area] ?? 0) + 1;
      }
      return { areas, nodes: document.querySelectorAll('.react-flow__node').length, sample: document.querySelector('.react-flow__node')?.outerHTML };
    });
    log(`${url.slice(0, 30)}: ${dom.nodes} nodes rendered, elements by area ${JSON.stringify(dom.areas)}\n  a node: ${dom.sample}`);
    // When each script and request started and ended: shows what waits on what during the open.
    const timeline = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => `${Math.round(e.startTime)}-${Math.round(e.responseEnd)} ms ${e.name.split('/').pop()}`),
    );
    log(`  requests: ${timeline.join(', ')}`);
  }
  const canvas = await page.locator(canvasSelector).first().boundingBox();
  const cx = canvas.x + canvas.width / 2;
  const cy = canvas.y + canvas.height / 2;

  // Pan: drag the empty pane between steps (the grid leaves gaps between rows).
  const pane = await page.evaluate(
    ({ x, y }) => {
      for (let dy = 0; dy < 200; dy += 10) {
        for (const sy of [1, -1]) {
          const el = document.elementFromPoint(x, y + sy * dy);
          if (el?.classList.contains('react-flow__pane')) return { x, y: y + sy * dy };
        }
      }
      return { x, y };
    },
    { x: canvas.x + 40, y: cy },
  );
  const pan = await recordFrames(page, async () => {
    await page.mouse.move(pane.x, pane.y);
    await page.mouse.down();
    for (let i = 1; i <= 60; i++) await page.mouse.move(pane.x + i * 6, pane.y + Math.sin(i / 6) * 40);
    await page.mouse.up();
  }, `pan ${url.slice(0, 30)}`);

  // Drag one step around.
  const node = await page.evaluate(
    ({ x, y }) => {
      const nodes = [...document.querySelectorAll('.react-flow__node')].map((el) => el.getBoundingClientRect());
      nodes.sort((a, b) => Math.hypot(a.x - x, a.y - y) - Math.hypot(b.x - x, b.y - y));
      const r = nodes[0];
      return { x: r.x + r.width / 2, y: r.y + 14 };
    },
    { x: cx, y: cy },
  );
  const drag = await recordFrames(page, async () => {
    await page.mouse.move(node.x, node.y);
    await page.mouse.down();
    for (let i = 1; i <= 60; i++) await page.mouse.move(node.x + i * 4, node.y + Math.cos(i / 6) * 30);
    await page.mouse.up();
  }, `drag ${url.slice(0, 30)}`);
  const result = { interactiveMs, pan, drag, canvas: { width: Math.round(canvas.width), height: Math.round(canvas.height) } };
  await context.close();
  return result;
}

// ---------------------------------------------------------------- main
const work = mkdtempSync(join(tmpdir(), 'postcard-bench-'));
let app;
let browser;
try {
  if (!args.has('--no-build')) {
    log('building the app (npx electron-vite build)…');
    run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['electron-vite', 'build']);
  }
  const graph = generateGraph();
  log('building the bare React Flow page…');
  const bareDir = join(work, 'bare');
  mkdirSync(bareDir, { recursive: true });
  await buildBare(bareDir, graph);

  register();
  const { openPostcard } = await import('../src/main/app.ts');
  const { startHost } = await import('../src/main/http/host.ts');
  const postcard = await openPostcard({ dataDir: join(work, 'data'), seedSamples: false });
  const host = await startHost({ postcard, rendererDir: join(root, 'out', 'renderer') });
  app = { postcard, host };
  const created = await postcard.dispatch('flows.create', { name: 'Bench: 1,000 steps' });
  if (!created.ok) throw new Error(created.error.message);
  const saved = await postcard.dispatch('flows.saveDraft', { id: created.value.id, graph });
  if (!saved.ok) throw new Error(`saving the generated flow failed: ${saved.error.message}`);
  const bare = await serveStatic(bareDir);

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });

  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const ours = [];
  const theirs = [];
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}/${runs}: Postcard…`);
    const mine = await measure(browser, `${host.origin}/#/flows/${created.value.id}&token=${host.token}`, '.react-flow');
    ours.push(mine);
    log(`run ${i + 1}/${runs}: bare React Flow…`);
    theirs.push(await measure(browser, `${bare.origin}/#w=${mine.canvas.width}&h=${mine.canvas.height}`, '.react-flow'));
  }
  bare.server.close();

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summarize = (list) => ({
    interactiveMs: median(list.map((r) => r.interactiveMs)),
    pan: { p50: median(list.map((r) => r.pan.p50)), p95: median(list.map((r) => r.pan.p95)), frames: median(list.map((r) => r.pan.frames)) },
    drag: { p50: median(list.map((r) => r.drag.p50)), p95: median(list.map((r) => r.drag.p95)), frames: median(list.map((r) => r.drag.frames)) },
    canvas: list[0].canvas,
  });
  const a = summarize(ours);
  const b = summarize(theirs);
  const ratio = (x, y) => Math.round((x / y) * 100) / 100;
  const report = {
    graph: { nodes: graph.nodes.length, edges: graph.edges.length },
    runs,
    postcard: a,
    bareReactFlow: b,
    ratio: { interactive: ratio(a.interactiveMs, b.interactiveMs), panP95: ratio(a.pan.p95, b.pan.p95), dragP95: ratio(a.drag.p95, b.drag.p95) },
    targets: { interactiveMs: 1000, frameP95Ms: 20, ratio: 1.25 },
  };
  report.meetsTargets = {
    interactive: a.interactiveMs <= 1000,
    panP95: a.pan.p95 <= 20,
    dragP95: a.drag.p95 <= 20,
    ratio: Math.max(report.ratio.interactive, report.ratio.panP95, report.ratio.dragP95) <= 1.25,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await browser?.close();
  await app?.host.close();
  app?.postcard.close();
  rmSync(work, { recursive: true, force: true });
}
