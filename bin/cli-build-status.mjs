// Whether out/cli (scripts/build-cli.mjs) still matches the sources, file for file, by the sizes
// and modification times its manifest recorded: a few hundred stat calls, cheap enough for every
// start. Shared by bin/postcard.mjs, which runs the build only while it is current, and
// scripts/start.mjs, which rebuilds it when it is not.
import { existsSync, readFileSync, statSync } from 'node:fs';

/** 'current', 'missing' (no build) or 'stale' (a source changed since); `root` is the checkout's URL. */
export function cliBuildStatus(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('out/cli/manifest.json', root), 'utf8'));
  } catch {
    return 'missing';
  }
  // Where no sources ship, the build is all there is.
  if (!existsSync(new URL('src/main/cli', root))) return 'current';
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    let info;
    try {
      info = statSync(new URL(file, root));
    } catch {
      return 'stale';
    }
    if (info.size !== recorded.size || info.mtimeMs !== recorded.mtimeMs) return 'stale';
  }
  return 'current';
}
