import { open } from 'node:fs/promises';
import { PostcardError } from '../../shared/api/result';
import { firstLine, mediaError } from './errors';
import type { EncodedMedia } from './image';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './limits';
import { probeMedia } from './probe';
import { renderMedia } from './render';
import type { RenditionTarget } from './target';
import { resolveFfmpegPath, type VideoTools } from './video';

/**
 * One rendition of one file for one target, without a library: what `postcard media optimize`
 * and the benchmark run. The file's size is checked before it is read.
 */
export async function optimizeFile(
  path: string,
  target: RenditionTarget,
  options: { limits?: MediaLimits; video?: VideoTools } = {},
): Promise<EncodedMedia> {
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PostcardError('NOT_FOUND', code === 'ENOENT' ? 'no such file' : `cannot read it (${firstLine(error)})`);
  }
  let bytes: Buffer;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new PostcardError('INVALID_INPUT', 'not a file');
    if (info.size > limits.maxFileBytes) {
      throw mediaError('MEDIA_TOO_LARGE', `the file is ${(info.size / 1e6).toFixed(1)} MB; the limit is ${(limits.maxFileBytes / 1e6).toFixed(0)} MB`);
    }
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  return optimizeBytes(bytes, target, { limits, video: options.video });
}

export async function optimizeBytes(
  bytes: Buffer,
  target: RenditionTarget,
  options: { limits?: MediaLimits; video?: VideoTools } = {},
): Promise<EncodedMedia> {
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  const video = options.video ?? { ffmpegPath: resolveFfmpegPath() };
  const probe = await probeMedia(bytes, limits, video);
  return renderMedia(bytes, probe, target, limits, video);
}
