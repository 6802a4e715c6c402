import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { mediaError } from './errors';

/**
 * HEIC/HEIF photos (every iPhone photo since 2017) through libheif-js: libheif with the
 * libde265 HEVC decoder, compiled to WebAssembly, so it installs from npm with no native build
 * and no download on Linux, macOS and Windows alike. The prebuilt libvips inside sharp reads
 * only AV1-coded HEIF (AVIF), for licensing reasons.
 *
 * libheif applies the container's rotation and mirroring (`irot`/`imir`) as it decodes, and
 * its width and height are the upright ones, read from the container before any pixel is
 * decoded. The decoded pixels leave here as a PNG carrying the photo's own colour profile
 * (Display P3 on an iPhone), so the rest of the pipeline converts them to sRGB exactly as it
 * does for any other file. Camera metadata (EXIF, GPS) is never copied into that PNG.
 *
 * Decoding a 12-megapixel photo takes seconds of WebAssembly, which would stall everything else
 * the process does (the app's API, a send in progress), so each file is decoded in a worker
 * thread of its own that is ended afterwards, giving its memory back.
 */

export interface HeifHeader {
  width: number;
  height: number;
  hasAlpha: boolean;
}

interface Decoded extends HeifHeader {
  pixels: Uint8Array;
  channels: 3 | 4;
  icc: Uint8Array | null;
}

type WorkerReply =
  | { ok: true; header: HeifHeader; decoded?: Omit<Decoded, keyof HeifHeader> }
  | { ok: false; stage: 'read' | 'pixels' | 'decode'; message: string; header?: HeifHeader };

/**
 * Runs in the worker (plain JavaScript: a worker started from source has no TypeScript loader).
 * libheif-js wraps handles in embind objects; the colour-profile calls are only exported as
 * raw C functions, which take the handle's address (`$$.ptr`) and return errors through memory.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const lib = require(workerData.modulePath);
const { bytes, maxPixels, wantPixels } = workerData;
const fail = (stage, error, header) => parentPort.postMessage({ ok: false, stage, message: error && error.message ? error.message : String(error), header });
let context = null;
let handle = null;
let image = null;
try {
  context = lib.heif_context_alloc();
  const read = lib.heif_context_read_from_memory(context, bytes);
  if (read.code.value !== 0) return fail('read', read);
  handle = lib.heif_js_context_get_primary_image_handle(context);
  if (!handle || handle.code) return fail('read', handle || 'the file names no primary image');
  const header = {
    width: lib.heif_image_handle_get_width(handle),
    height: lib.heif_image_handle_get_height(handle),
    hasAlpha: Boolean(lib.heif_image_handle_has_alpha_channel(handle)),
  };
  if (!wantPixels) return parentPort.postMessage({ ok: true, header });
  if (!(header.width > 0 && header.height > 0) || header.width * header.height > maxPixels) return fail('pixels', 'too many pixels', header);
  let icc = null;
  const address = handle.$$ && handle.$$.ptr;
  const iccSize = address ? lib._heif_image_handle_get_raw_color_profile_size(address) : 0;
  if (iccSize > 0) {
    const out = lib._malloc(iccSize);
    const error = lib._malloc(16);
    lib._heif_image_handle_get_raw_color_profile(error, address, out);
    if (lib.HEAP32[error >> 2] === 0) icc = lib.HEAPU8.slice(out, out + iccSize);
    lib._free(out);
    lib._free(error);
  }
  const channels = header.hasAlpha ? 4 : 3;
  const chroma = header.hasAlpha ? lib.heif_chroma.heif_chroma_interleaved_RGBA : lib.heif_chroma.heif_chroma_interleaved_RGB;
  image = lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, chroma);
  if (!image || image.code || !image.channels) return fail('decode', image || 'no image');
  const plane = image.channels.find((channel) => channel.id.value === lib.heif_channel.heif_channel_interleaved.value) || image.channels[0];
  const row = plane.width * channels;
  const pixels = new Uint8Array(row * plane.height);
  for (let y = 0; y < plane.height; y += 1) pixels.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), y * row);
  parentPort.postMessage({ ok: true, header: { ...header, width: plane.width, height: plane.height }, decoded: { pixels, channels, icc } }, [pixels.buffer]);
} catch (error) {
  fail('decode', error);
} finally {
  if (image && image.image) lib.heif_image_release(image.image);
  if (handle && !handle.code) lib.heif_image_handle_release(handle);
  if (context) lib.heif_context_free(context);
}
`;

let modulePath: string | null = null;
const libheifPath = (): string => (modulePath ??= createRequire(import.meta.url).resolve('libheif-js/wasm-bundle'));

/** Two cores' worth: each worker holds a decoded photo (about 50 MB at 12 MP) while it runs. */
const MAX_WORKERS = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function inWorker(bytes: Buffer, options: { maxPixels: number; wantPixels: boolean }): Promise<WorkerReply> {
  if (running >= MAX_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await new Promise<WorkerReply>((resolve, reject) => {
      // The worker's body is wrapped in a function so that it may `return` early.
      const worker = new Worker(`(() => {${WORKER_SOURCE}})()`, {
        eval: true,
        workerData: { modulePath: libheifPath(), bytes: new Uint8Array(bytes), ...options },
      });
      let settled = false;
      worker.once('message', (reply: WorkerReply) => {
        settled = true;
        resolve(reply);
        void worker.terminate();
      });
      worker.once('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.once('exit', (code) => {
        if (!settled) reject(new Error(`the HEIF decoder stopped (exit code ${code})`));
      });
    });
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

function refusal(reply: Extract<WorkerReply, { ok: false }>) {
  if (/unsupported codec|no matching decoder|unsupported image type/i.test(reply.message)) {
    return mediaError('MEDIA_UNSUPPORTED', `This HEIF file holds a kind of image Postcard cannot decode (${reply.message}). Export it as JPEG and import that.`);
  }
  return mediaError('MEDIA_CORRUPT', `The HEIC file is damaged and cannot be read (${reply.message}).`);
}

/** The upright size and alpha of the primary image, from the container alone. */
export async function readHeifHeader(bytes: Buffer): Promise<HeifHeader> {
  const reply = await inWorker(bytes, { maxPixels: 0, wantPixels: false });
  if (!reply.ok) throw refusal(reply);
  return reply.header;
}

/**
 * The primary image as a PNG that sharp reads: upright, its colour profile attached, nothing
 * else. A file whose container claims more than `maxPixels` is refused before decoding.
 */
export async function decodeHeif(bytes: Buffer, maxPixels: number): Promise<Buffer> {
  const reply = await inWorker(bytes, { maxPixels, wantPixels: true });
  if (!reply.ok) {
    if (reply.stage === 'pixels') {
      throw mediaError('MEDIA_TOO_MANY_PIXELS', `The HEIC photo claims to be ${reply.header?.width}×${reply.header?.height}; the limit is ${Math.round(maxPixels / 1e6)} megapixels.`);
    }
    throw refusal(reply);
  }
  const { header, decoded } = reply;
  if (!decoded) throw mediaError('MEDIA_CORRUPT', 'The HEIC file held no image.');
  // Level 1 and no filtering: this PNG lives for one render, and speed matters more than size.
  const png = await sharp(decoded.pixels, { raw: { width: header.width, height: header.height, channels: decoded.channels } })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
  return decoded.icc ? withIccProfile(png, decoded.icc) : png;
}

/**
 * sharp can attach only its built-in profiles to raw pixels, and attaching converts the
 * pixels into that profile. The photo's own profile goes in as PNG's `iCCP` chunk, right
 * after the header chunk, where the PNG specification places it.
 */
function withIccProfile(png: Buffer, icc: Uint8Array): Buffer {
  const IHDR_END = 8 + 4 + 4 + 13 + 4;
  const body = Buffer.concat([Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(icc)]);
  const chunk = Buffer.alloc(12 + body.length);
  chunk.writeUInt32BE(body.length, 0);
  chunk.write('iCCP', 4, 'latin1');
  body.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + body.length)), 8 + body.length);
  return Buffer.concat([png.subarray(0, IHDR_END), chunk, png.subarray(IHDR_END)]);
}
