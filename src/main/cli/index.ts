import { Command, CommanderError } from 'commander';
import { PostcardError } from '../../shared/api/result';
import { DatabaseOpenError } from '../db/errors';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../paths';
import { register as registerAccounts } from './commands/accounts';
import { register as registerContacts } from './commands/contacts';
import { register as registerEvents } from './commands/events';
import { register as registerFlows } from './commands/flows';
import { register as registerMedia } from './commands/media';
import { register as registerRun } from './commands/run';
import { register as registerServe } from './commands/serve';
import { register as registerSimulate } from './commands/simulate';
import { register as registerSms } from './commands/sms';
import { CliError } from './context';

/** Each command group registers itself; later domains add theirs here. */
const commandGroups: ((program: Command) => void)[] = [
  registerServe,
  registerFlows,
  registerRun,
  registerSimulate,
  registerContacts,
  registerEvents,
  registerMedia,
  registerSms,
  registerAccounts,
];

export function createProgram(): Command {
  const program = new Command('postcard')
    .description('Postcard: design, preview and send MMS/SMS marketing journeys')
    .version(readVersion(), '-V, --version')
    .option('-d, --data-dir <dir>', 'where the database lives (default: $POSTCARD_DATA_DIR or your OS app-data folder)')
    .showHelpAfterError('(run `postcard --help` for usage)')
    // Program options stop at the subcommand, so `flows export --version 2` is the flow's version.
    .enablePositionalOptions()
    .exitOverride();
  for (const register of commandGroups) register(program);
  forEachCommand(program, (command) => {
    command.exitOverride();
    // `--data-dir` is accepted after the subcommand too, where people tend to type it.
    if (command.commands.length === 0 && !command.options.some((option) => option.long === '--data-dir')) {
      command.option('-d, --data-dir <dir>', 'where the database lives');
    }
  });
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests and the bin share it. */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander already printed its own message (usage errors, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError || error instanceof PostcardError || error instanceof DatabaseOpenError) {
      console.error(`postcard: ${error.message}`);
      return 1;
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.error(`postcard: unexpected error: ${message}`);
    if (process.env.POSTCARD_DEBUG) console.error(error);
    return 1;
  }
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  for (const child of command.commands) {
    visit(child);
    forEachCommand(child, visit);
  }
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
