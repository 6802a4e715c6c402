#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into build/electron-native/, from a private copy of
// the package, so node_modules keeps the Node build that tests and the CLI load. The Electron
// shell passes the result to better-sqlite3's `nativeBinding` option.
// Needs the network (Electron headers or a prebuilt binary); `npm start` falls back to the
// browser mode when this cannot run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const outDir = join(root, 'build', 'electron-native');
const staging = join(outDir, 'staging', 'better-sqlite3');
const target = join(outDir, 'better_sqlite3.node');
const stamp = join(outDir, 'build.json');

const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const sqliteVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')).version;
const wanted = { electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch: process.arch };

if (!process.argv.includes('--force') && existsSync(target) && existsSync(stamp)) {
  const built = JSON.parse(readFileSync(stamp, 'utf8'));
  if (JSON.stringify(built) === JSON.stringify(wanted)) {
    console.log(`better-sqlite3 for Electron ${electronVersion} is up to date (${target}).`);
    process.exit(0);
  }
}

rmSync(join(outDir, 'staging'), { recursive: true, force: true });
mkdirSync(dirname(staging), { recursive: true });
// Sources only: the copied build/ folder holds the Node binary we must not reuse.
cpSync(join(root, 'node_modules', 'better-sqlite3'), staging, {
  recursive: true,
  filter: (source) => !source.startsWith(join(root, 'node_modules', 'better-sqlite3', 'build')),
});

const run = (command, args) => spawnSync(process.execPath, [command, ...args], { cwd: staging, stdio: 'inherit', env: process.env });
const tools = (name, bin) => join(root, 'node_modules', name, bin);

console.log(`Fetching better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${process.arch})…`);
let result = run(tools('prebuild-install', 'bin.js'), ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform]);
if (result.status !== 0) {
  console.log('No prebuilt binary; compiling from source against the Electron headers…');
  result = run(tools('node-gyp', 'bin/node-gyp.js'), [
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    `--arch=${process.arch}`,
    '--runtime=electron',
    '--dist-url=https://electronjs.org/headers',
  ]);
}
const built = join(staging, 'build', 'Release', 'better_sqlite3.node');
if (result.status !== 0 || !existsSync(built)) {
  console.error('Could not build better-sqlite3 for Electron (offline, or no C++ toolchain?).');
  process.exit(1);
}
copyFileSync(built, target);
writeFileSync(stamp, `${JSON.stringify(wanted, null, 2)}\n`);
rmSync(join(outDir, 'staging'), { recursive: true, force: true });
console.log(`Built ${target}`);
