import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../src/shared/engine/types';

const bin = resolve(import.meta.dirname, '../../bin/postcard.mjs');
let dir: string;
let dataDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-cli-'));
  dataDir = join(dir, 'data');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function postcard(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, POSTCARD_DATA_DIR: '' },
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The address `serve` prints, once it does. */
function printedUrl(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise<string>((resolveUrl, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(output);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited early (${code}): ${output}`)));
  });
}

const ids = (listOutput: string): string[] =>
  listOutput
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]!);

describe('postcard CLI', () => {
  it('explains itself with --help', () => {
    const help = postcard('--help');
    expect(help.code).toBe(0);
    for (const command of ['serve', 'flows']) expect(help.stdout).toContain(command);
    const flowsHelp = postcard('flows', '--help');
    for (const command of ['list', 'export', 'import', 'history']) expect(flowsHelp.stdout).toContain(command);
  });

  it('lists a flow\'s versions with the auto-winner\'s note: flows history', async () => {
    const list = postcard('--data-dir', dataDir, 'flows', 'list');
    const [flowId] = ids(list.stdout);
    expect(postcard('--data-dir', dataDir, 'flows', 'history', flowId!).stdout).toMatch(/has not been published yet/);
    // Published by a person (v1), then by the runner's auto-winner (v2, with its note), as the engine writes them.
    const { openPostcard } = await import('../../src/main/app');
    const app = await openPostcard({ dataDir, seedSamples: false });
    try {
      const published = (await app.dispatch('flows.publish', { id: flowId }, { transport: 'cli' })) as { ok: boolean };
      expect(published.ok).toBe(true);
      const v1 = app.sqlite.prepare('SELECT document_json FROM flow_versions WHERE flow_id = ?').pluck().get(flowId) as string;
      app.sqlite
        .prepare('INSERT INTO flow_versions (id, flow_id, version, document_json, published_at, note) VALUES (?, ?, 2, ?, ?, ?)')
        .run(`${flowId}-v2-auto`, flowId, v1, '2026-03-01T10:00:00.000Z', 'Auto-winner: MMS won on conversions, 97 % likely best, after 1,000 sends per variant');
    } finally {
      app.close();
    }
    const history = postcard('--data-dir', dataDir, 'flows', 'history', flowId!);
    expect(history.code, history.stderr).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('v2  2026-03-01T10:00:00.000Z  Auto-winner: MMS won on conversions, 97 % likely best, after 1,000 sends per variant');
    expect(lines[1]).toMatch(/^v1  \d{4}-\d{2}-\d{2}T[\d:.]+Z  published$/);
    const missing = postcard('--data-dir', dataDir, 'flows', 'history', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no flow with id nope/);
  });

  it('round-trips a flow: export to a file, import it back', () => {
    const list = postcard('--data-dir', dataDir, 'flows', 'list');
    expect(list.code).toBe(0);
    const [sampleId] = ids(list.stdout);
    expect(list.stdout).toContain('Abandoned cart');

    const file = join(dir, 'cart.json');
    const exported = postcard('flows', 'export', sampleId!, '--out', file, '--data-dir', dataDir);
    expect(exported.code, exported.stderr).toBe(0);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { format: string; name: string; graph: { nodes: unknown[] } };
    expect(document.format).toBe('postcard.flow');
    expect(document.graph.nodes).toHaveLength(7);

    const toStdout = postcard('--data-dir', dataDir, 'flows', 'export', sampleId!);
    expect(JSON.parse(toStdout.stdout)).toEqual(document);

    const imported = postcard('--data-dir', dataDir, 'flows', 'import', file, '--name', 'Cart, again');
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^Imported "Cart, again" as [A-Za-z0-9_-]+\n$/);

    const after = postcard('--data-dir', dataDir, 'flows', 'list', '--json');
    const flows = JSON.parse(after.stdout) as { name: string; nodeCount: number }[];
    expect(flows.map((flow) => flow.name).sort()).toEqual(['Abandoned cart: MMS with SMS fallback', 'Cart, again']);
    expect(flows.every((flow) => flow.nodeCount === 7)).toBe(true);
  });

  it('imports a flow whose event name has spaces as a draft and says what keeps it from publishing', () => {
    const [sampleId] = ids(postcard('--data-dir', dataDir, 'flows', 'list').stdout);
    const document = JSON.parse(postcard('--data-dir', dataDir, 'flows', 'export', sampleId!).stdout) as {
      graph: { nodes: Array<{ kind: string; label?: string; config: { type?: string; event?: string } }> };
    };
    const trigger = document.graph.nodes.find((n) => n.kind === 'trigger')!;
    expect(trigger.config.type).toBe('event');
    trigger.config.event = 'cart abandoned';
    const file = join(dir, 'spaced.json');
    writeFileSync(file, JSON.stringify(document));

    const imported = postcard('--data-dir', dataDir, 'flows', 'import', file, '--name', 'Spaced');
    expect(imported.code, imported.stderr).toBe(0);
    const lines = imported.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Imported "Spaced" as /);
    expect(lines[1]).toBe('It cannot be published until this is fixed:');
    expect(lines[2]).toContain('EVENT_NAME_HAS_SPACES: The event name of ');
    expect(lines[2]).toContain('("cart abandoned") has spaces');
    expect(lines).toHaveLength(3);
  });

  it('simulate starts now, or at --start (an instant, or a local time in the flow\'s zone), and counts MMS failures without fallback', () => {
    const [sampleId] = ids(postcard('--data-dir', dataDir, 'flows', 'list').stdout);
    const file = join(dir, 'cart.json');
    expect(postcard('--data-dir', dataDir, 'flows', 'export', sampleId!, '--out', file).code).toBe(0);
    const simulate = (...args: string[]) => postcard('simulate', file, '--contacts', '300', '--days', '2', '--seed', '7', ...args);

    // The sample flow's zone is America/New_York: 09:00 there on 2 March is 14:00 UTC.
    const local = simulate('--start', '2026-03-02 09:00');
    expect(local.code, local.stderr).toBe(0);
    const lines = local.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Simulated ".+": 300 contacts over 2 days from 2026-03-02 09:00 America\/New_York \(seed 7\)$/);
    const printed = lines.map((line) => /^ {2}MMS failed without falling back to SMS (\d+) /.exec(line)?.[1]).find(Boolean);
    const json = simulate('--start', '2026-03-02T14:00:00Z', '--json');
    const result = JSON.parse(json.stdout) as SimulationResult;
    expect(result.startAt).toBe('2026-03-02T14:00:00.000Z');
    expect(printed).toBe(String(result.totals.mmsFailedWithoutFallback));

    const before = Date.now();
    const now = JSON.parse(simulate('--json').stdout) as SimulationResult;
    expect(Date.parse(now.startAt)).toBeGreaterThan(before - 60_000);
    expect(Date.parse(now.startAt)).toBeLessThanOrEqual(Date.now());

    for (const [start, words] of [
      ['next tuesday', 'is not a date and time: write an ISO date-time'],
      ['2026-02-30 09:00', 'is not a real date and time'],
      ['2026-03-08 02:30', 'does not exist in America/New_York'],
    ]) {
      const refused = simulate('--start', start!);
      expect(refused.code, start).toBe(1);
      expect(refused.stderr.trim(), start).toMatch(new RegExp(`^postcard: --start "${start}" ${words}`));
      expect(refused.stdout).toBe('');
    }
  });

  it('exports a published version by number', () => {
    const [id] = ids(postcard('--data-dir', dataDir, 'flows', 'list').stdout);
    const missing = postcard('--data-dir', dataDir, 'flows', 'export', id!, '--version', '1');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('no published version 1');
  });

  it('refuses bad files with one line on stderr, a non-zero exit, and nothing imported', () => {
    postcard('--data-dir', dataDir, 'flows', 'list');
    const files: Record<string, string> = {
      'not-json.json': '{ "format": "postcard.flow", ',
      'wrong-format.json': JSON.stringify({ format: 'something.else', schemaVersion: 2 }),
      'too-new.json': JSON.stringify({ format: 'postcard.flow', schemaVersion: 99, name: 'Future' }),
      'hostile.json': '{"format":"postcard.flow","schemaVersion":2,"name":"x","__proto__":{"polluted":1}}',
    };
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const run = postcard('--data-dir', dataDir, 'flows', 'import', path);
      expect(run.code, name).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatch(/^postcard: /);
      expect(run.stdout, name).toBe('');
    }
    const missing = postcard('--data-dir', dataDir, 'flows', 'import', join(dir, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^postcard: cannot read .*nope\.json: no such file or directory$/);
    const folder = postcard('--data-dir', dataDir, 'flows', 'import', dir);
    expect(folder.code).toBe(1);
    expect(ids(postcard('--data-dir', dataDir, 'flows', 'list').stdout)).toHaveLength(1);
  });

  it('rejects usage errors with a non-zero exit', () => {
    expect(postcard('flows', 'teleport').code).not.toBe(0);
    expect(postcard('--data-dir', dataDir, 'flows', 'export').code).not.toBe(0);
    expect(postcard('--data-dir', dataDir, 'flows', 'export', 'abc', '--version', 'latest').code).not.toBe(0);
  });

  it('serve says to build first when the renderer is missing', () => {
    const run = postcard('--data-dir', dataDir, 'serve', '--renderer-dir', join(dir, 'no-build'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('npm run build');
  });

  it('serve names a port that is already taken', async () => {
    const rendererDir = join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
    const blocker = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', listening));
    const { port } = blocker.address() as { port: number };
    try {
      const run = postcard('--data-dir', dataDir, 'serve', '--renderer-dir', rendererDir, '--port', String(port));
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`postcard: port ${port} is already in use: pick another with --port`);
    } finally {
      blocker.close();
    }
  });

  it('serve prints a URL with a token that answers API calls', async () => {
    const rendererDir = join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Postcard</title>');
    const child = spawn(process.execPath, [bin, '--data-dir', dataDir, 'serve', '--renderer-dir', rendererDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await printedUrl(child);
      const { origin, hash } = new URL(url);
      const token = hash.slice('#token='.length);
      const response = await fetch(`${origin}/api/flows.list`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(200);
      const result = (await response.json()) as { ok: boolean; value: { name: string }[] };
      expect(result.value.map((flow) => flow.name)).toEqual(['Abandoned cart: MMS with SMS fallback']);
      const page = await fetch(`${origin}/`);
      expect(await page.text()).toContain('<title>Postcard</title>');
    } finally {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('serve --open hands the browser launcher a one-time address, never the token', async () => {
    const rendererDir = join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Postcard</title>');
    // A stand-in browser that writes down the command line it was started with.
    const argvFile = join(dir, 'browser-argv.txt');
    const browser = join(dir, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$0" "$@" > '${argvFile}'\n`, { mode: 0o700 });
    const child = spawn(process.execPath, [bin, '--data-dir', dataDir, 'serve', '--open', '--renderer-dir', rendererDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BROWSER: browser },
    });
    try {
      const url = await printedUrl(child);
      const { origin, hash } = new URL(url);
      const token = hash.slice('#token='.length);
      for (let i = 0; i < 100 && !existsSync(argvFile); i++) await new Promise((wait) => setTimeout(wait, 50));
      const argv = readFileSync(argvFile, 'utf8').trim().split('\n');
      expect(argv.join(' ')).not.toContain(token);
      const launch = argv[1]!;
      expect(launch.startsWith(`${origin}/launch/`)).toBe(true);

      // The browser follows it to the app with the token in the fragment; a second use is refused.
      const first = await fetch(launch, { redirect: 'manual' });
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe(`/#token=${token}`);
      const again = await fetch(launch, { redirect: 'manual' });
      expect(again.status).toBe(410);
      expect(again.headers.get('location')).toBeNull();
    } finally {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
