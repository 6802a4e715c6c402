import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './context';

/**
 * A credential for a command: from its environment variable, or, when that is not set and a
 * person is at the terminal, typed at a prompt that does not echo. Never from argv, which any
 * user on the machine can read with `ps`.
 */
export async function readSecret(envName: string, label: string, options: { isRequired: boolean }): Promise<string | undefined> {
  const fromEnv = process.env[envName]?.trim();
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    if (!options.isRequired) return undefined;
    throw new CliError(`set ${envName} (the ${label}); Postcard never takes credentials on the command line`);
  }
  const value = (await promptHidden(`${label}: `)).trim();
  if (!value && options.isRequired) throw new CliError(`the ${label} is needed`);
  return value || undefined;
}

async function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  let isMuted = true;
  const muted = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!isMuted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    isMuted = false;
    rl.close();
    process.stderr.write('\n');
  }
}
