#!/usr/bin/env node
// The `postcard` command. The CLI is TypeScript run in place through tsx's ESM loader, so the
// command works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/index.ts');
const code = await main(process.argv);
// `serve` keeps running until it is stopped; every other command ends here.
if (code !== 0) process.exit(code);
