#!/usr/bin/env node
// The `postcard` command. It runs the JavaScript build in out/cli (made by `npm ci` and
// `npm run build`, see scripts/build-cli.mjs) when that build matches the sources file for
// file; after any source change, or without a build, it runs the TypeScript sources through
// tsx, so nobody ever runs stale code. Where no sources ship, the build is all there is.
// POSTCARD_FROM_SOURCE=1 runs the sources regardless (to compare, or to debug with tsx).
import { existsSync, readFileSync, statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps the compiled code of the modules it loads on disk, so a second start skips
// parsing and compiling them (the bulk of a start); older Node has no such cache and goes on.
module.enableCompileCache?.();

const root = new URL('../', import.meta.url);

function isBuildCurrent() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('out/cli/manifest.json', root), 'utf8'));
  } catch {
    return false;
  }
  if (!existsSync(new URL('src/main/cli', root))) return true;
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    let info;
    try {
      info = statSync(new URL(file, root));
    } catch {
      return false;
    }
    if (info.size !== recorded.size || info.mtimeMs !== recorded.mtimeMs) return false;
  }
  return true;
}

let cli;
if (process.env.POSTCARD_FROM_SOURCE !== '1' && isBuildCurrent()) {
  cli = await import(new URL('out/cli/postcard.js', root).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('src/main/cli/index.ts', root).href);
}
const code = await cli.main(process.argv);
// `serve` keeps running until it is stopped; every other command ends here.
if (code !== 0) process.exit(code);
