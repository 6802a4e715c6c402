#!/usr/bin/env node
// The `postcard` command. It runs the JavaScript build in out/cli (made by `npm ci` and
// `npm run build`, see scripts/build-cli.mjs) when that build matches the sources file for
// file; after any source change, or without a build, it runs the TypeScript sources through
// tsx, so nobody ever runs stale code, and says so in one line on stderr (see mayExplain).
// Where no sources ship, the build is all there is.
// POSTCARD_FROM_SOURCE=1 runs the sources regardless (to compare, or to debug with tsx).
import module from 'node:module';
import { cliBuildStatus } from './cli-build-status.mjs';

// Node 22.1+ keeps the compiled code of the modules it loads on disk, so a second start skips
// parsing and compiling them (the bulk of a start); older Node has no such cache and goes on.
module.enableCompileCache?.();

const root = new URL('../', import.meta.url);
const isFromSourceAsked = process.env.POSTCARD_FROM_SOURCE === '1';
const status = isFromSourceAsked ? 'asked' : cliBuildStatus(root);

let cli;
if (status === 'current') {
  cli = await import(new URL('out/cli/postcard.js', root).href);
} else {
  if (status !== 'asked' && mayExplain()) {
    const why = status === 'missing' ? 'there is no CLI build' : 'the CLI build is older than the sources';
    process.stderr.write(`postcard: ${why}, so this runs from source (about a second slower); \`npm run build:cli\` or \`npm start\` rebuilds it\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('src/main/cli/index.ts', root).href);
}
const code = await cli.main(process.argv);
// `serve` keeps running until it is stopped; every other command ends here.
if (code !== 0) process.exit(code);

/**
 * One line on stderr says why a start is slow, except where output is read by a program: JSON
 * output, POSTCARD_QUIET=1, CI and test runs (vitest sets VITEST for the processes it starts).
 */
function mayExplain() {
  if (process.argv.includes('--json')) return false;
  const quiet = process.env.POSTCARD_QUIET;
  if (quiet && quiet !== '0') return false;
  return !process.env.CI && !process.env.VITEST && process.env.NODE_ENV !== 'test';
}
