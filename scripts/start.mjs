#!/usr/bin/env node
// `npm start`: build (the app, and the CLI when its build no longer matches the sources), then
// open the desktop app. Where Electron cannot run (its binary was not downloaded, no display,
// no Electron build of the database driver), say why in one line and open Postcard in the
// browser instead. Never waits minutes on a download.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliBuildStatus } from '../bin/cli-build-status.mjs';

const root = join(import.meta.dirname, '..');
const node = process.execPath;
const forceBrowser = process.argv.includes('--browser') || process.env.POSTCARD_BROWSER === '1';
/** An Electron that dies this soon after launch most likely could not start at all. */
const EARLY_EXIT_MS = 8_000;

const build = spawnSync(node, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('The build failed (see above); fix it and run `npm start` again.');
  process.exit(build.status ?? 1);
}
// A stale CLI build still works (it runs from source, a second slower per command): rebuild it
// when needed, and never let a failure here stop the app from opening.
if (cliBuildStatus(pathToFileURL(`${root}/`)) !== 'current') {
  spawnSync(node, [join(root, 'scripts', 'build-cli.mjs'), '--if-possible'], { cwd: root, stdio: 'inherit' });
}

const reason = forceBrowser ? 'browser mode was asked for' : await prepareElectron();
if (reason) {
  browserMode(reason);
} else {
  launchElectron();
}

/** Returns why Electron cannot be used here, or null when it can. */
async function prepareElectron() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display to open a window on';
  let binary = electronBinary();
  if (!binary) {
    if (process.env.CI) return 'its binary is not installed, and CI does not download it';
    if (process.env.npm_config_offline === 'true' || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'its binary is not installed and downloads are off';
    console.log('Fetching the Electron binary (one time)…');
    const install = spawnSync(node, [join(root, 'node_modules', 'electron', 'install.js')], { cwd: root, stdio: 'ignore', timeout: 90_000 });
    binary = install.status === 0 ? electronBinary() : null;
    if (!binary) return install.error?.code === 'ETIMEDOUT' ? 'downloading its binary took too long' : 'its binary could not be downloaded';
  }
  const rebuild = spawnSync(node, [join(root, 'scripts', 'rebuild-electron.mjs')], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  if (rebuild.status !== 0 || !existsSync(join(root, 'build', 'electron-native', 'better_sqlite3.node'))) {
    return 'its build of the database driver could not be made';
  }
  return null;
}

/** The binary electron's own installer placed, or null; never triggers a download. */
function electronBinary() {
  try {
    const relative = readFileSync(join(root, 'node_modules', 'electron', 'path.txt'), 'utf8').trim();
    const binary = join(root, 'node_modules', 'electron', 'dist', relative);
    return relative && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function launchElectron() {
  const startedAt = Date.now();
  const child = spawn(electronBinary(), ['.'], { cwd: root, stdio: 'inherit' });
  forwardSignals(child);
  child.on('error', (error) => browserMode(`it could not start: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null && Date.now() - startedAt < EARLY_EXIT_MS) {
      browserMode(`it exited right away with code ${code}`);
      return;
    }
    process.exit(code ?? 0);
  });
}

function browserMode(why) {
  console.log(`Electron is not available on this machine (${why}); starting Postcard in your browser instead:`);
  const child = spawn(node, [join(root, 'bin', 'postcard.mjs'), 'serve', '--open'], { cwd: root, stdio: 'inherit' });
  forwardSignals(child);
  child.on('exit', (code) => process.exit(code ?? 0));
}

function forwardSignals(child) {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}
