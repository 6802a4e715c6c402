#!/usr/bin/env node
// Runs every suite (unit, integration, e2e) in one vitest run and ends with the one line CI
// reads: "N passed, N failed" (plus skipped). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const report = join(root, 'test-results', 'vitest.json');
mkdirSync(join(root, 'test-results'), { recursive: true });
rmSync(report, { force: true });
rmSync(join(root, 'test-results', 'summary.txt'), { force: true });

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests ?? 0;
  failed = (result.numFailedTests ?? 0) + filesFailedOutsideTests(result);
  skipped = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
} else {
  failed = 1;
}
const exitCode = run.status === 0 && failed === 0 ? 0 : 1;
if (exitCode !== 0 && failed === 0) failed = 1; // vitest failed outside any test (config, setup)
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
writeFileSync(join(root, 'test-results', 'summary.txt'), summary + '\n');
console.log(summary);
process.exit(exitCode);

// A file that fails to load (syntax error, failing hook) counts as one failure; a file whose
// tests failed is already counted by its tests.
function filesFailedOutsideTests(result) {
  return (result.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
}
