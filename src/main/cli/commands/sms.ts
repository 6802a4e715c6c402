import type { Command } from 'commander';

export function register(program: Command): void {
  const sms = program.command('sms').description('SMS text tools');

  sms
    .command('segments')
    .description('encoding (GSM-7 or UCS-2) and segment count of a text, as carriers bill it')
    .argument('<text>', 'the message text ("-" reads standard input)')
    .option('--json', 'print { "encoding", "segments", "characters" }')
    .action(async (text: string, options: { json?: boolean }) => {
      const body = text === '-' ? await readStdin() : text;
      const { countSmsSegments } = await import('../../../shared/sms/segments');
      const info = countSmsSegments(body);
      if (options.json) {
        console.log(JSON.stringify({ encoding: info.encoding, segments: info.segments, characters: info.characters }));
        return;
      }
      const forcing = info.nonGsmCharacters.length > 0 ? `; UCS-2 because of ${info.nonGsmCharacters.map((c) => JSON.stringify(c)).join(' ')}` : '';
      console.log(`${info.encoding}, ${info.segments} segment${info.segments === 1 ? '' : 's'}, ${info.characters} characters, ${info.charactersLeft} left in this segment${forcing}`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
