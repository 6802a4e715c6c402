import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceFormat } from '../../shared/media/types';
import { firstLine, mediaError } from './errors';
import type { MediaLimits } from './limits';
import type { MediaProbe } from './probe';

/**
 * Video goes through the ffmpeg binary shipped by `@ffmpeg-installer/ffmpeg` (a static build:
 * GPL-3.0, it includes libx264). Postcard runs it as a separate program and never links it,
 * so the app's own licence is unaffected; distributing the binary means shipping its licence
 * and offering its source (see THIRD_PARTY.md). Without it, video import says so and stops.
 */
export interface VideoTools {
  ffmpegPath: string | null;
}

/** `POSTCARD_FFMPEG` overrides the bundled binary; `POSTCARD_FFMPEG=none` turns video off. */
export function resolveFfmpegPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env.POSTCARD_FFMPEG;
  if (override === 'none' || override === '') return null;
  if (override) return existsSync(override) ? override : null;
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    if (typeof installer.path !== 'string') return null;
    // Packaged Electron apps keep binaries outside the asar archive, which cannot be executed.
    const path = installer.path.replace(`app.asar${'/'}`, `app.asar.unpacked/`).replace('app.asar\\', 'app.asar.unpacked\\');
    return existsSync(path) ? path : null;
  } catch {
    // No build for this platform: video import reports MEDIA_VIDEO_UNAVAILABLE.
    return null;
  }
}

const unavailable = () =>
  mediaError(
    'MEDIA_VIDEO_UNAVAILABLE',
    'Video needs ffmpeg, and none is available in this installation of Postcard; convert the clip to an animated GIF, or install Postcard with its ffmpeg package.',
  );

function run(ffmpeg: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, ['-hide_banner', '-nostdin', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? -1 : 0;
      if (error && (error as { killed?: boolean }).killed) {
        reject(mediaError('MEDIA_CORRUPT', 'ffmpeg took too long on this video and was stopped.'));
        return;
      }
      if (error && code === -1) {
        reject(error);
        return;
      }
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

/** A scratch folder for ffmpeg, which needs real files to seek in (MP4 indexes may sit at the end). */
async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'postcard-video-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface StreamInfo {
  width: number;
  height: number;
  durationMs: number;
  fps: number | null;
  hasAudio: boolean;
}

/** Reads ffmpeg's own description of the input (ffprobe is not part of the package). */
export function parseFfmpegInfo(stderr: string): StreamInfo | null {
  const video = /Stream #\d+:\d+.*?: Video: [^\n]*?(\d{2,5})x(\d{2,5})/.exec(stderr);
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  if (!video || !duration) return null;
  let width = Number(video[1]);
  let height = Number(video[2]);
  const rotation = /rotate\s*:\s*(-?\d+)/.exec(stderr) ?? /rotation of (-?[\d.]+) degrees/.exec(stderr);
  if (rotation && Math.abs(Math.round(Number(rotation[1]))) % 180 === 90) [width, height] = [height, width];
  const fps = /(\d+(?:\.\d+)?) fps/.exec(video[0] + stderr.slice(video.index + video[0].length).split('\n')[0]);
  const durationMs = Math.round((Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000);
  return { width, height, durationMs, fps: fps ? Number(fps[1]) : null, hasAudio: /Stream #\d+:\d+.*?: Audio: /.test(stderr) };
}

export async function probeVideo(bytes: Buffer, format: SourceFormat, limits: MediaLimits, tools: VideoTools): Promise<MediaProbe> {
  const ffmpeg = tools.ffmpegPath;
  if (!ffmpeg) throw unavailable();
  return withScratch(async (dir) => {
    const input = join(dir, `input.${format}`);
    await writeFile(input, bytes);
    const { stderr } = await run(ffmpeg, ['-i', input], 60_000);
    const info = parseFfmpegInfo(stderr);
    if (!info || info.width === 0 || info.height === 0) {
      const reason = /moov atom not found|Invalid data found|could not find codec|error/i.exec(stderr)?.[0];
      throw mediaError('MEDIA_CORRUPT', `The ${format === 'mov' ? 'QuickTime' : 'MP4'} file is damaged or has no video track${reason ? ` (${reason})` : ''}.`);
    }
    if (info.width * info.height > limits.maxPixels) {
      throw mediaError('MEDIA_TOO_MANY_PIXELS', `The video is ${info.width}×${info.height}, over the ${Math.round(limits.maxPixels / 1e6)} megapixel limit.`);
    }
    if (info.durationMs > limits.maxVideoSeconds * 1000) {
      throw mediaError('MEDIA_TOO_LARGE', `The video runs ${Math.round(info.durationMs / 1000)} s; Postcard takes clips up to ${limits.maxVideoSeconds} s (MMS clips are best under 30 s).`);
    }
    return {
      kind: 'video',
      format,
      width: info.width,
      height: info.height,
      frames: 1,
      delays: [],
      loop: 0,
      durationMs: info.durationMs,
      hasAlpha: false,
      hasAudio: info.hasAudio,
    };
  });
}

export interface VideoTarget {
  maxBytes: number;
  maxWidth: number;
}

export interface VideoRendition {
  buffer: Buffer;
  width: number;
  height: number;
  durationMs: number;
  /** A still from early in the clip, PNG, for the poster and the thumbnail. */
  posterPng: Buffer;
  notes: string[];
}

const AUDIO_KBPS = 32;
/** Below this a 320 px H.264 picture falls apart; the clip is too long for the budget. */
const MIN_VIDEO_KBPS = 40;
/** MP4 boxes and the index cost a few percent of the file. */
const CONTAINER_SHARE = 0.94;

/**
 * H.264 Constrained Baseline (what every MMS handset plays) in an MP4 with the index up front,
 * at the bitrate the budget allows for the clip's length; metadata (GPS in phone clips
 * included) is dropped. Encodes again at a lower rate when the first pass overshoots.
 */
export async function transcodeVideo(bytes: Buffer, probe: MediaProbe, target: VideoTarget, tools: VideoTools): Promise<VideoRendition> {
  const ffmpeg = tools.ffmpegPath;
  if (!ffmpeg) throw unavailable();
  const durationMs = Math.max(probe.durationMs ?? 1000, 200);
  return withScratch(async (dir) => {
    const input = join(dir, `input.${probe.format}`);
    const output = join(dir, 'output.mp4');
    await writeFile(input, bytes);
    const notes: string[] = [];
    let totalKbps = (target.maxBytes * 8 * CONTAINER_SHARE) / durationMs;
    let keepAudio = probe.hasAudio;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      let videoKbps = totalKbps - (keepAudio ? AUDIO_KBPS : 0);
      if (keepAudio && videoKbps < 2 * MIN_VIDEO_KBPS) {
        keepAudio = false;
        videoKbps = totalKbps;
        notes.push('sound removed to fit the budget');
      }
      if (videoKbps < MIN_VIDEO_KBPS) break;
      const width = evenFloor(Math.min(target.maxWidth, probe.width, videoKbps >= 450 ? 640 : videoKbps >= 220 ? 480 : 320));
      const height = evenFloor((width * probe.height) / probe.width);
      const rate = Math.floor(videoKbps);
      const args = [
        '-y', '-i', input,
        '-map', '0:v:0', ...(keepAudio ? ['-map', '0:a:0'] : []),
        '-map_metadata', '-1', '-map_chapters', '-1',
        '-vf', `scale=${width}:${height}:flags=lanczos`,
        '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.0', '-pix_fmt', 'yuv420p', '-preset', 'medium',
        '-b:v', `${rate}k`, '-maxrate', `${rate}k`, '-bufsize', `${rate * 2}k`,
        ...(keepAudio ? ['-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ac', '1'] : ['-an']),
        '-movflags', '+faststart', '-f', 'mp4', output,
      ];
      const result = await run(ffmpeg, args, 10 * 60_000);
      if (result.code !== 0) throw mediaError('MEDIA_CORRUPT', `ffmpeg could not transcode this video (${lastLine(result.stderr)}).`);
      const size = (await stat(output)).size;
      if (size <= target.maxBytes) {
        const posterPng = await extractPoster(ffmpeg, output, durationMs);
        if (width < probe.width) notes.push(`scaled to ${width}×${height}`);
        return { buffer: await readFile(output), width, height, durationMs, posterPng, notes };
      }
      totalKbps *= (target.maxBytes / size) * 0.95;
    }
    throw mediaError(
      'MEDIA_OVER_BUDGET',
      `A ${Math.round(durationMs / 1000)} s video cannot fit ${Math.round(target.maxBytes / 1000)} KB at a watchable quality; trim the clip or choose a larger budget.`,
      { maxBytes: target.maxBytes, durationMs },
    );
  });
}

/** One frame a little way in (the first frame of a clip is often black), as PNG. */
export async function extractPoster(ffmpeg: string, file: string, durationMs: number): Promise<Buffer> {
  const at = Math.min(1, durationMs / 3000).toFixed(2);
  const result = await run(ffmpeg, ['-ss', at, '-i', file, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1'], 60_000);
  if (result.code !== 0 || result.stdout.length === 0) throw mediaError('MEDIA_CORRUPT', `No frame could be read from this video (${lastLine(result.stderr)}).`);
  return result.stdout;
}

/** The poster of an original (for the library thumbnail), without transcoding it. */
export async function posterOf(bytes: Buffer, probe: MediaProbe, tools: VideoTools): Promise<Buffer> {
  const ffmpeg = tools.ffmpegPath;
  if (!ffmpeg) throw unavailable();
  return withScratch(async (dir) => {
    const input = join(dir, `input.${probe.format}`);
    await writeFile(input, bytes);
    return extractPoster(ffmpeg, input, probe.durationMs ?? 0);
  });
}

const evenFloor = (value: number): number => Math.max(2, Math.floor(value / 2) * 2);
const lastLine = (text: string): string => firstLine(text.trim().split('\n').slice(-1).join(''));
