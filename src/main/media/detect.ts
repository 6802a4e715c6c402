import type { SourceFormat } from '../../shared/media/types';

/**
 * The format from the file's first bytes, never from its name: a PNG called photo.jpg is a
 * PNG, and a PDF called banner.gif is refused. ISO-BMFF files (HEIC, AVIF, MP4, MOV) are told
 * apart by the brands of their `ftyp` box.
 */
export type Sniffed = { format: SourceFormat } | { format: null; looksLike: string | null };

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'mp71', 'avc1', 'M4V ', 'M4VP', 'f4v ', 'dash', 'mmp4', 'MSNV', '3gp4', '3gp5', '3gp6', '3gg6', '3g2a', '3g2b']);
/** Old QuickTime files may start with any top-level atom instead of `ftyp`. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

const ascii = (bytes: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(start, start + length));

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);

export function sniffFormat(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'png' };
  const head6 = ascii(bytes, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return { format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return { format: 'webp' };
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === 'ftyp') return sniffIsoBmff(bytes);
  if (bytes.length >= 8 && QUICKTIME_ATOMS.has(ascii(bytes, 4, 4))) return { format: 'mov' };
  return { format: null, looksLike: guessUnsupported(bytes) };
}

function sniffIsoBmff(bytes: Uint8Array): Sniffed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getUint32(0);
  const boxEnd = Math.min(bytes.length, declared >= 16 ? declared : 32);
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) brands.push(ascii(bytes, offset, 4));
  // The major brand decides first; compatible brands settle generic majors such as `mif1`.
  const major = brands[0] ?? '';
  if (major === 'qt  ') return { format: 'mov' };
  if (HEIC_BRANDS.has(major)) return { format: 'heic' };
  if (AVIF_BRANDS.has(major)) return { format: 'avif' };
  if (MP4_BRANDS.has(major)) return { format: 'mp4' };
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return { format: 'avif' };
  if (brands.some((brand) => HEIC_BRANDS.has(brand)) || major === 'mif1' || major === 'msf1') return { format: 'heic' };
  if (brands.some((brand) => brand === 'qt  ')) return { format: 'mov' };
  if (brands.some((brand) => MP4_BRANDS.has(brand))) return { format: 'mp4' };
  return { format: null, looksLike: `an ISO media file of type "${major.trim()}"` };
}

function guessUnsupported(bytes: Uint8Array): string | null {
  const head = ascii(bytes, 0, 16);
  if (head.startsWith('%PDF')) return 'a PDF document';
  if (head.startsWith('II*\u0000') || head.startsWith('MM\u0000*')) return 'a TIFF image';
  if (head.startsWith('BM')) return 'a BMP image';
  if (head.startsWith('PK')) return 'a ZIP archive';
  if (/^\s*<(\?xml|svg)/i.test(ascii(bytes, 0, 256))) return 'an SVG or XML file';
  if (head.startsWith('ID3') || startsWith(bytes, [0xff, 0xfb])) return 'an MP3 audio file';
  if (bytes.length === 0) return 'an empty file';
  return null;
}

export const isVideoFormat = (format: SourceFormat): boolean => format === 'mp4' || format === 'mov';
