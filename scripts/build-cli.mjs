#!/usr/bin/env node
// Builds the `postcard` command to JavaScript: src/main/cli → out/cli/postcard.js, plus the
// engine's thread entries (out/cli/worker.js, simulationWorker.js: engine/workerHost.ts looks
// for `<name>.js` beside the bundle, as in the app's build), so the command starts without a
// TypeScript loader. Every command's code is its own chunk, loaded when that command runs, so
// `postcard --help` loads neither sharp nor SQLite.
//
// out/cli/manifest.json records each source file's size and modification time; bin/postcard.mjs
// runs the build only while they all still match, and otherwise runs the sources through tsx.
//
// Runs from `npm run build` and from `prepare` (so `npm ci` builds it). Under `--if-possible`
// (the prepare step) a failure is reported and the install goes on: the command then runs from
// source, slower but the same.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const outdirFlag = process.argv.indexOf('--outdir');
// --outdir DIR builds elsewhere (the tests check a build without touching the one in use).
const outdir = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, 'out', 'cli');
const ifPossible = process.argv.includes('--if-possible');
const BUNDLED = new Set(['commander', 'sms-segments-calculator']);

try {
  const { build } = await import('esbuild');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      postcard: 'src/main/cli/index.ts',
      worker: 'src/main/engine/worker.ts',
      simulationWorker: 'src/main/engine/simulationWorker.ts',
    },
    outdir,
    bundle: true,
    // Shared modules and each command's lazily imported code become chunks next to the entry
    // (the same folder depth as the sources' src/main, which appRoot() relies on).
    splitting: true,
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: `node${pkg.engines.node.match(/\d+/)[0]}`,
    // Packages load from node_modules at run time (native modules cannot be bundled), except
    // commander, which every start needs (one file fewer to resolve and parse as CommonJS), and
    // sms-segments-calculator, whose module the segment counter imports by a file path without
    // an extension, which only a bundler resolves.
    external: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !BUNDLED.has(name)),
    // commander is CommonJS and requires Node's own modules; an ES module has no `require`.
    banner: { js: "import { createRequire as __postcardRequire } from 'node:module'; const require = __postcardRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = {};
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules'));
  for (const file of [...sources, relative(root, import.meta.filename), 'package.json']) {
    const info = statSync(join(root, file));
    inputs[file.split('\\').join('/')] = { size: info.size, mtimeMs: info.mtimeMs };
  }
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify({ inputs }, null, 1)}\n`);
  console.log(`postcard CLI built: out/cli (${Object.keys(inputs).length} source files)`);
} catch (error) {
  if (!ifPossible) throw error;
  rmSync(outdir, { recursive: true, force: true });
  console.warn(`postcard CLI not built (${error instanceof Error ? error.message.split('\n')[0] : error}); it will run from source.`);
}
