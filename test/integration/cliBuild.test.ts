import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-cli-build-'));
  // Packages stay outside the build and resolve from node_modules beside it.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'junction');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const node = (args: string[], env: Record<string, string> = {}) => {
  const run = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('the built CLI', () => {
  it('answers --help and sms segments without loading sharp or SQLite, which load when a command needs them', () => {
    const outdir = join(dir, 'out', 'cli');
    const build = node([join(root, 'scripts', 'build-cli.mjs'), '--outdir', outdir]);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    // Which native libraries the process has loaded, as Node's diagnostic report lists them.
    const probe = (argv: string[]) => `
      const cli = await import(${JSON.stringify(join(outdir, 'postcard.js'))});
      const code = await cli.main(['node', 'postcard', ...${JSON.stringify(argv)}]);
      const loaded = process.report.getReport().sharedObjects.filter((file) => /sharp|vips|better_sqlite3/.test(file));
      console.log(JSON.stringify({ code, loaded }));`;
    // What every start loads, --help included: the entry and its static imports. No package
    // among them (commander is bundled): zod alone takes longer to load than the rest together.
    const startup = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string): void => {
      if (startup.has(file)) return;
      startup.add(file);
      const text = readFileSync(join(outdir, file), 'utf8');
      for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gms)) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith('./')) walk(specifier.slice(2));
        else if (!specifier.startsWith('node:')) packages.add(specifier);
      }
    };
    walk('postcard.js');
    expect([...packages]).toEqual([]);
    expect(startup.size).toBeGreaterThan(1);

    const help = node(['--input-type=module', '-e', probe(['--help'])]);
    expect(help.stdout).toContain('simulate [options] <flow>');
    expect(JSON.parse(help.stdout.trim().split('\n').at(-1)!)).toEqual({ code: 0, loaded: [] });
    const segments = node(['--input-type=module', '-e', probe(['sms', 'segments', 'Hi ✓', '--json'])]);
    expect(segments.stdout).toContain('"encoding":"UCS-2"');
    expect(JSON.parse(segments.stdout.trim().split('\n').at(-1)!)).toEqual({ code: 0, loaded: [] });
    // A command that needs them still gets them: optimise a PNG made on the spot.
    const png = join(dir, 'in.png');
    writeFileSync(png, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const optimise = node(['--input-type=module', '-e', probe(['media', 'optimize', png, '--max-bytes', '10000', '--out', join(dir, 'out.png')])]);
    const result = JSON.parse(optimise.stdout.trim().split('\n').at(-1)!) as { code: number; loaded: string[] };
    expect(result.code).toBe(0);
    expect(result.loaded.some((file) => /vips/.test(file))).toBe(true);
  });
});

describe('bin/postcard.mjs', () => {
  /** A checkout in miniature: one source file, a build whose manifest records it, and the real bin. */
  function checkout() {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const file of ['postcard.mjs', 'cli-build-status.mjs']) copyFileSync(join(root, 'bin', file), join(dir, 'bin', file));
    mkdirSync(join(dir, 'src', 'main', 'cli'), { recursive: true });
    const source = join(dir, 'src', 'main', 'cli', 'index.ts');
    writeFileSync(source, "export async function main(): Promise<number> { console.log('from source'); return 0; }\n");
    mkdirSync(join(dir, 'out', 'cli'), { recursive: true });
    writeFileSync(join(dir, 'out', 'cli', 'postcard.js'), "export async function main() { console.log('from build'); return 0; }\n");
    const record = () => {
      const info = statSync(source);
      writeFileSync(join(dir, 'out', 'cli', 'manifest.json'), JSON.stringify({ inputs: { 'src/main/cli/index.ts': { size: info.size, mtimeMs: info.mtimeMs } } }));
    };
    record();
    return { source, record };
  }
  const run = (env: Record<string, string> = {}) => node([join(dir, 'bin', 'postcard.mjs')], env).stdout.trim();

  it('runs the build while it matches the sources, and the sources through tsx once one changed', () => {
    const { source, record } = checkout();
    expect(run()).toBe('from build');
    const later = new Date(Date.now() + 5_000);
    utimesSync(source, later, later);
    expect(run()).toBe('from source');
    record();
    expect(run()).toBe('from build');
    expect(run({ POSTCARD_FROM_SOURCE: '1' })).toBe('from source');
    writeFileSync(source, `${"export async function main(): Promise<number> { console.log('from source'); return 0; }"}\n// edited\n`);
    expect(run()).toBe('from source');
  });

  it('says in one line on stderr when it runs from source because the build is stale or missing, except where a program reads the output', () => {
    const { source, record } = checkout();
    // As a person runs it: none of the variables that ask for silence.
    const asPerson: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['VITEST', 'CI', 'NODE_ENV', 'POSTCARD_QUIET', 'POSTCARD_FROM_SOURCE']) delete asPerson[name];
    const start = (args: string[] = [], env: Record<string, string> = {}) => {
      const child = spawnSync(process.execPath, [join(dir, 'bin', 'postcard.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { ...asPerson, ...env }, timeout: 120_000 });
      return { stdout: child.stdout.trim(), stderr: child.stderr };
    };
    expect(start()).toEqual({ stdout: 'from build', stderr: '' });

    const later = new Date(Date.now() + 5_000);
    utimesSync(source, later, later);
    const stale = start();
    expect(stale.stdout).toBe('from source');
    expect(stale.stderr).toMatch(/^postcard: the CLI build is older than the sources, so this runs from source \(about a second slower\); `npm run build:cli` or `npm start` rebuilds it\n$/);
    expect(start(['--json']).stderr).toBe('');
    expect(start([], { POSTCARD_QUIET: '1' }).stderr).toBe('');
    expect(start([], { CI: 'true' }).stderr).toBe('');
    expect(node([join(dir, 'bin', 'postcard.mjs')]).stderr).toBe(''); // under vitest
    expect(start([], { POSTCARD_FROM_SOURCE: '1' }).stderr).toBe('');

    record();
    expect(start()).toEqual({ stdout: 'from build', stderr: '' });
    rmSync(join(dir, 'out'), { recursive: true });
    expect(start().stderr).toMatch(/^postcard: there is no CLI build, so this runs from source/);
  });

  it('runs the sources without a build, and the build where no sources ship', () => {
    checkout();
    rmSync(join(dir, 'out'), { recursive: true });
    expect(run()).toBe('from source');
    checkout();
    rmSync(join(dir, 'src'), { recursive: true });
    expect(run()).toBe('from build');
  });
});
