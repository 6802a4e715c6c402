import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * SMS encoding and segment counting. The counting itself is Twilio's `sms-segments-calculator`
 * (it passes Twilio's own test suite and splits on graphemes, never inside an emoji or an
 * escape pair); this wrapper only gives it a stable, serialisable shape. The library is plain
 * JavaScript with one dependency (grapheme-splitter) and no Node modules, so the renderer and
 * the CLI share this file.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  /** Segments a carrier bills; 0 for an empty text. */
  segments: number;
  /** Characters as the network counts them: GSM-7 extension characters (€, {, [ …) count twice. */
  characters: number;
  /** Code units still free in the last segment before another segment starts. */
  charactersLeft: number;
  /** Characters per segment at this encoding and segment count (160/153 or 70/67). */
  perSegment: number;
  /** Distinct characters that force UCS-2, in order of first appearance; empty for GSM-7. */
  nonGsmCharacters: string[];
}

const SEGMENT_BITS = 1120;

export function countSmsSegments(text: string): SmsSegmentInfo {
  const message = new SegmentedMessage(text);
  const encoding: SmsEncoding = message.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7';
  const unitBits = encoding === 'GSM-7' ? 7 : 16;
  const isEmpty = text.length === 0;
  const segments = isEmpty ? 0 : message.segmentsCount;
  const last = message.segments[message.segments.length - 1];
  const freeBits = last ? last.freeSizeInBits() : SEGMENT_BITS;
  const perSegment = encoding === 'GSM-7' ? (segments > 1 ? 153 : 160) : segments > 1 ? 67 : 70;
  return {
    encoding,
    segments,
    characters: message.numberOfCharacters,
    charactersLeft: Math.max(0, Math.floor(freeBits / unitBits)),
    perSegment,
    nonGsmCharacters: [...new Set(message.getNonGsmCharacters())],
  };
}
