import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { MediaAssetSummary, MediaImportResult } from '../../../shared/api/media';
import { PostcardError } from '../../../shared/api/result';
import { DEFAULT_BACKGROUND, getProfile, isProfileId, PHONE_IMAGE_EDGE, PHONE_VIDEO_WIDTH, profileIds } from '../../../shared/media/profiles';
import { extensionOf, outputMimes } from '../../../shared/media/types';
import type { RenditionTarget, targetFromProfile as TargetFromProfile } from '../../media/target';
import { CliError, call, withPostcard } from '../context';

interface OptimizeOptions {
  maxBytes?: number;
  maxWidth?: number;
  maxHeight?: number;
  profile?: string;
  background?: string;
  out?: string;
  outDir?: string;
}

export function register(program: Command): void {
  const media = program.command('media').description('optimise images, GIFs and clips for MMS; the media library');

  media
    .command('optimize')
    .alias('optimise')
    .description('write a rendition that fits a byte budget and a phone-screen box; prints one JSON line per file')
    .argument('<inputs...>', 'image, GIF or video files (the format is read from the bytes)')
    .option('--max-bytes <n>', 'byte budget of the rendition (decimal bytes; default: the profile\'s budget)', positiveInteger)
    .option('--max-width <px>', `box width (default ${PHONE_IMAGE_EDGE})`, positiveInteger)
    .option('--max-height <px>', `box height (default ${PHONE_IMAGE_EDGE})`, positiveInteger)
    .addOption(new Option('--profile <name>', 'a target profile instead of a box').choices(profileIds))
    .option('--background <colour>', `flatten transparency onto this colour (e.g. ${DEFAULT_BACKGROUND}); without it a custom target keeps transparency`, colour)
    .option('-o, --out <file>', 'where to write the rendition (one input)')
    .option('--out-dir <dir>', 'folder for the renditions (several inputs); names keep the input\'s and take the output type\'s extension')
    .action(async (inputs: string[], options: OptimizeOptions) => {
      const { targetFromProfile } = await import('../../media/target');
      const target = targetOf(options, targetFromProfile);
      if (inputs.length > 1 && !options.outDir) throw new CliError('several inputs need --out-dir');
      if (!options.out && !options.outDir) throw new CliError('say where to write the rendition: --out FILE or --out-dir DIR');
      if (options.out && options.outDir) throw new CliError('use either --out or --out-dir, not both');
      const [{ optimizeFile }, { resolveFfmpegPath }] = await Promise.all([import('../../media/optimize'), import('../../media/video')]);
      const video = { ffmpegPath: resolveFfmpegPath() };
      let failures = 0;
      for (const input of inputs) {
        try {
          const rendition = await optimizeFile(input, target, { video });
          const out = options.out ? resolve(options.out) : join(resolve(options.outDir!), `${basename(input, extname(input))}.${extensionOf(rendition.mime)}`);
          await writeAtomically(out, rendition.buffer);
          const line = { mime: rendition.mime, bytes: rendition.buffer.length, width: rendition.width, height: rendition.height, frames: rendition.frames, ssim: rendition.ssim };
          console.log(JSON.stringify(inputs.length > 1 ? { input, out, ...line } : line));
        } catch (error) {
          failures += 1;
          if (inputs.length === 1) throw describe(input, error);
          console.error(`postcard: ${describe(input, error).message}`);
        }
      }
      if (failures > 0) throw new CliError(`${failures} of ${inputs.length} inputs were refused`);
    });

  media
    .command('import')
    .description('add files to the media library (the same bytes are stored once)')
    .argument('<files...>', 'image, GIF or video files')
    .option('--json', 'print the imported assets as JSON')
    .action(async (files: string[], options: { json?: boolean }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const imported: MediaImportResult[] = [];
        for (const file of files) {
          const result = await call<MediaImportResult>(postcard, 'media.import', { source: 'path', path: resolve(file) }).catch((error: unknown) => {
            throw new CliError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
          });
          imported.push(result);
          if (!options.json) console.log(`${result.isNew ? 'Imported' : 'Already in the library'}: ${result.asset.name} (${result.asset.id.slice(0, 12)})`);
        }
        if (options.json) console.log(JSON.stringify(imported.map(({ asset, isNew }) => ({ ...withoutThumbnail(asset), isNew })), null, 2));
      });
    });

  media
    .command('list')
    .description('list the media library')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withPostcard(command, async (postcard) => {
        const assets = await call<MediaAssetSummary[]>(postcard, 'media.list', {});
        if (options.json) {
          console.log(JSON.stringify(assets.map(withoutThumbnail), null, 2));
          return;
        }
        if (assets.length === 0) console.log('The media library is empty.');
        for (const asset of assets) console.log(`${asset.id.slice(0, 12)}  ${asset.kind.padEnd(9)}  ${`${asset.width}×${asset.height}`.padEnd(11)}  ${asset.name}`);
      });
    });
}

function targetOf(options: OptimizeOptions, targetFromProfile: typeof TargetFromProfile): RenditionTarget {
  if (options.profile) {
    if (options.maxWidth || options.maxHeight) throw new CliError('use either --profile or --max-width/--max-height, not both');
    if (!isProfileId(options.profile)) throw new CliError(`unknown profile "${options.profile}"`);
    const target = targetFromProfile(getProfile(options.profile), options.background ?? DEFAULT_BACKGROUND);
    return options.maxBytes ? { ...target, maxBytes: options.maxBytes } : target;
  }
  if (!options.maxBytes) throw new CliError('say how large the rendition may be: --max-bytes N (or choose a --profile)');
  const maxWidth = options.maxWidth ?? PHONE_IMAGE_EDGE;
  return {
    maxBytes: options.maxBytes,
    maxWidth,
    maxHeight: options.maxHeight ?? PHONE_IMAGE_EDGE,
    maxVideoWidth: Math.min(PHONE_VIDEO_WIDTH, maxWidth),
    accepts: outputMimes,
    allowsTransparency: !options.background,
    allowsAnimation: true,
    background: options.background ?? DEFAULT_BACKGROUND,
  };
}

function describe(input: string, error: unknown): CliError {
  if (error instanceof PostcardError) return new CliError(`${input}: ${error.message} [${error.code}]`);
  if (error instanceof CliError) return new CliError(`${input}: ${error.message}`);
  return new CliError(`${input}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
}

async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot write ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

const withoutThumbnail = <T extends { thumbnail: string }>(asset: T): Omit<T, 'thumbnail'> => {
  const { thumbnail: _thumbnail, ...rest } = asset;
  return rest;
};

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive whole number.');
  return number;
}

function colour(value: string): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(value)) throw new InvalidArgumentError('expected a colour like #ffffff.');
  return value.toLowerCase();
}
