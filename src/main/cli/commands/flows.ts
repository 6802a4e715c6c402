import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { FlowHistory } from '../../../shared/api/analytics';
import type { FlowDetail, FlowSummary } from '../../../shared/api/flows';
import type { FlowDocument } from '../../../shared/flow/document';
import { CliError, call, withPostcard } from '../context';

export function register(program: Command): void {
  const flows = program.command('flows').description('list, export and import flows');

  flows
    .command('list')
    .description('list the flows in the database')
    .option('-s, --search <text>', 'only flows whose name contains this')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { search?: string; json?: boolean }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const list = await call<FlowSummary[]>(postcard, 'flows.list', options.search ? { search: options.search } : {});
        if (options.json) {
          console.log(JSON.stringify(list, null, 2));
          return;
        }
        if (list.length === 0) {
          console.log('No flows yet.');
          return;
        }
        for (const flow of list) {
          const version = flow.latestVersion === null ? '-' : `v${flow.latestVersion}`;
          const problem = flow.error ? `  ! ${flow.error.message}` : '';
          console.log(`${flow.id}  ${flow.status.padEnd(8)}  ${version.padEnd(5)}  ${flow.name}${problem}`);
        }
      });
    });

  flows
    .command('export')
    .description('write a flow as a JSON document (the draft, or a published version)')
    .argument('<id>', 'the flow id (see `postcard flows list`)')
    .option('-v, --version <n>', 'a published version instead of the draft', parseVersion)
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (id: string, options: { version?: number; out?: string }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const document = await call<FlowDocument>(postcard, 'flows.export', { id, ...(options.version ? { version: options.version } : {}) });
        const json = `${JSON.stringify(document, null, 2)}\n`;
        if (!options.out) {
          process.stdout.write(json);
          return;
        }
        const out = resolve(options.out);
        // Write beside the target and rename, so an existing file is never left half-written.
        const temporary = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
        try {
          await writeFile(temporary, json, { flag: 'wx' });
          await rename(temporary, out);
        } catch (error) {
          throw new CliError(`cannot write ${options.out}: ${messageOf(error)}`);
        }
        console.error(`Exported "${document.name}" to ${options.out}`);
      });
    });

  flows
    .command('history')
    .description("a flow's published versions, newest first, with the auto-winner's notes")
    .argument('<id>', 'the flow id (see `postcard flows list`)')
    .option('--json', 'print JSON instead of lines')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const history = await call<FlowHistory>(postcard, 'analytics.history', { flowId: id });
        if (options.json) {
          console.log(JSON.stringify(history, null, 2));
          return;
        }
        if (history.versions.length === 0) console.log(`"${history.name}" has not been published yet.`);
        for (const v of history.versions) console.log(`v${v.version}  ${v.publishedAt}  ${v.note ?? 'published'}`);
        for (const split of history.autoWinners.filter((s) => s.status === 'no_winner')) console.log(`${split.label}: ${split.note}`);
      });
    });

  flows
    .command('import')
    .description('add a flow from a JSON document (as written by `flows export`)')
    .argument('<file>', 'the flow document')
    .option('-n, --name <name>', 'name the imported flow')
    .action(async (file: string, options: { name?: string }, command: Command) => {
      const document = await readDocument(file);
      await withPostcard(command, async (postcard) => {
        const flow = await call<FlowDetail>(postcard, 'flows.import', { document, ...(options.name ? { name: options.name } : {}) });
        console.log(`Imported "${flow.name}" as ${flow.id}`);
        const errors = flow.validation.issues.filter((issue) => issue.severity === 'error');
        if (errors.length > 0) console.log(`It cannot be published until ${errors.length === 1 ? 'this is' : `these ${errors.length} are`} fixed:`);
        for (const issue of errors) console.log(`  ${issue.code}: ${issue.message}`);
      });
    });
}

async function readDocument(file: string): Promise<unknown> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError(`${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${messageOf(error)}`);
  }
  const { MAX_DOCUMENT_BYTES } = await import('../../../shared/flow/document');
  if (size > MAX_DOCUMENT_BYTES) throw new CliError(`${file} is too large for a flow document (${size} bytes; at most ${MAX_DOCUMENT_BYTES})`);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new CliError(`cannot read ${file}: ${messageOf(error)}`);
  });
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON (${messageOf(error)})`);
  }
}

function parseVersion(value: string): number {
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1) throw new InvalidArgumentError('expected a version number (1, 2, ...).');
  return version;
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    if (error.code === 'ENOENT') return 'no such file or directory';
    if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission denied';
    if (error.code === 'EISDIR') return 'it is a directory';
  }
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
