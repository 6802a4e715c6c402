import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { appRoot } from '../../paths';
import { CliError, dataDirOf } from '../context';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve Postcard to your browser on 127.0.0.1 (needs `npm run build` first)')
    .option('-p, --port <port>', 'port to listen on (default: any free port)', parsePort)
    .option('--open', 'open the URL in your browser')
    .option('--renderer-dir <dir>', 'serve another build of the renderer')
    .option('--no-scheduler', 'do not run the journey engine (live flows wait until it runs again)')
    .addOption(
      new Option('--engine-thread <thread>', 'where the journey engine runs: its own worker thread, or the thread that answers the browser')
        .choices(['worker', 'inline'])
        .default('worker'),
    )
    .action(async (options: { port?: number; open?: boolean; rendererDir?: string; scheduler: boolean; engineThread: 'worker' | 'inline' }, command: Command) => {
      const rendererDir = options.rendererDir ?? join(appRoot(), 'out', 'renderer');
      if (!existsSync(join(rendererDir, 'index.html'))) {
        throw new CliError(`the app is not built yet (${rendererDir} has no index.html): run \`npm run build\` first`);
      }
      const dataDir = dataDirOf(command);
      const [{ openPostcard }, { startHost }] = await Promise.all([import('../../app'), import('../../http/host')]);
      // A worker thread (still inside this process) by default: a tick over thousands of
      // enrollments then never delays the browser's API calls.
      const postcard = await openPostcard({ dataDir, scheduler: options.scheduler ? options.engineThread : 'off' });
      let host;
      try {
        host = await startHost({ postcard, rendererDir, port: options.port, token: process.env.POSTCARD_TOKEN || undefined });
      } catch (error) {
        await postcard.scheduler.stop();
        postcard.close();
        if (isErrno(error, 'EADDRINUSE')) throw new CliError(`port ${options.port} is already in use: pick another with --port`);
        throw error;
      }
      console.log(`Postcard is running at ${host.url}`);
      console.log(`Data: ${dataDir}`);
      console.log(options.scheduler ? `Journey engine: running (${options.engineThread === 'worker' ? 'worker thread' : 'inline'}).` : 'Journey engine: off (--no-scheduler).');
      console.log('Press Ctrl+C to stop.');
      if (options.open) openInBrowser(host.launchUrl());
      const stop = (): void => {
        // Let a tick in flight finish its transaction before the database closes.
        void Promise.allSettled([host.close(), postcard.scheduler.stop()]).finally(() => {
          postcard.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a whole number from 0 to 65535.');
  return port;
}

/**
 * Best effort: a machine without a desktop still has the printed URL. `url` is a one-time
 * launch address, never the token (a launcher's arguments show in `ps`). $BROWSER, the usual
 * way to name a browser on the command line, wins over the platform's opener.
 */
function openInBrowser(url: string): void {
  const [command, args] = process.env.BROWSER
    ? [process.env.BROWSER, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.log('(Could not open a browser here; open the URL above yourself.)'));
    child.unref();
  } catch {
    console.log('(Could not open a browser here; open the URL above yourself.)');
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
