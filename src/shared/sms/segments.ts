import GraphemeSplitter from 'grapheme-splitter';
import { SegmentedMessage } from 'sms-segments-calculator';
import UnicodeToGsm from 'sms-segments-calculator/dist/libs/UnicodeToGSM';

/**
 * SMS encoding and segment counting. Up to MAX_MESSAGE_BODY_CHARS the counting is Twilio's
 * `sms-segments-calculator` (it passes Twilio's own test suite and splits on graphemes, never
 * inside an emoji or an escape pair). The library's time grows with the square of the length
 * (it builds its grapheme list by copying: 100,000 characters took 22 s), so a longer text —
 * one Postcard never sends — is counted in one pass with the library's own rules and
 * character table (`countLinear`; test/unit/smsSegments.test.ts shows both agree on a corpus)
 * and marked `isOverLimit`. Plain JavaScript without Node modules: the renderer and the CLI
 * share this file.
 */

/**
 * The longest text Postcard sends in one message, SMS or MMS, in UTF-16 code units: what
 * providers accept as a message body (Twilio refuses a Body over 1,600 characters, error
 * 21617, for SMS and MMS alike). A rendered body over it is never sent (BODY_TOO_LONG).
 */
export const MAX_MESSAGE_BODY_CHARS = 1_600;

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
  /** Longer than MAX_MESSAGE_BODY_CHARS: Postcard will not send it. */
  isOverLimit: boolean;
}

const SEGMENT_BITS = 1120;
/** The concatenation header a segment carries once a message has more than one (6 octets). */
const HEADER_BITS = 48;

export function countSmsSegments(text: string): SmsSegmentInfo {
  return text.length > MAX_MESSAGE_BODY_CHARS ? countLinear(text) : countWithLibrary(text);
}

function countWithLibrary(text: string): SmsSegmentInfo {
  const message = new SegmentedMessage(text);
  const encoding: SmsEncoding = message.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7';
  const segments = text.length === 0 ? 0 : message.segmentsCount;
  const last = message.segments[message.segments.length - 1];
  return describe(encoding, segments, message.numberOfCharacters, last ? last.freeSizeInBits() : SEGMENT_BITS, message.getNonGsmCharacters(), text.length);
}

function describe(encoding: SmsEncoding, segments: number, characters: number, freeBits: number, nonGsm: string[], length: number): SmsSegmentInfo {
  const unitBits = encoding === 'GSM-7' ? 7 : 16;
  return {
    encoding,
    segments,
    characters,
    charactersLeft: Math.max(0, Math.floor(freeBits / unitBits)),
    perSegment: encoding === 'GSM-7' ? (segments > 1 ? 153 : 160) : segments > 1 ? 67 : 70,
    nonGsmCharacters: [...new Set(nonGsm)],
    isOverLimit: length > MAX_MESSAGE_BODY_CHARS,
  };
}

const gsm = UnicodeToGsm as Record<number, number[] | undefined>;
let splitter: GraphemeSplitter | null = null;

/**
 * The library's counting in one pass. Graphemes come from the same splitter (grapheme-splitter,
 * with "\r\n" as two characters); a text is UCS-2 when any grapheme is more than one code unit
 * or outside the GSM-7 table; segments fill greedily, and when a second one starts the first
 * gets its header and hands the characters that no longer fit to the new one.
 */
export function countLinear(text: string): SmsSegmentInfo {
  splitter ??= new GraphemeSplitter();
  const graphemes: string[] = [];
  for (const grapheme of splitter.iterateGraphemes(text)) {
    if (grapheme === '\r\n') graphemes.push('\r', '\n');
    else graphemes.push(grapheme);
  }
  const isGsmChar = (g: string): boolean => g.length === 1 && gsm[g.charCodeAt(0)] !== undefined;
  const isUcs2 = graphemes.some((g) => !isGsmChar(g));
  const encoding: SmsEncoding = isUcs2 ? 'UCS-2' : 'GSM-7';
  const nonGsm: string[] = [];
  let characters = 0;
  // Only the first segment starts without a header, so only its characters are kept, to move.
  const first: number[] = [];
  let segments = 1;
  let bits = 0;
  let hasHeader = false;
  for (const g of graphemes) {
    const isGsm = isGsmChar(g);
    if (!isGsm) nonGsm.push(g);
    const units = isUcs2 ? 1 : (gsm[g.charCodeAt(0)] as number[]).length;
    const size = isUcs2 ? (isGsm ? 16 : 16 * g.length) : 7 * units;
    characters += isUcs2 ? 1 : units;
    if (SEGMENT_BITS - bits < size) {
      segments++;
      let carried = HEADER_BITS;
      if (!hasHeader) {
        hasHeader = true;
        let firstBits = bits + HEADER_BITS;
        while (firstBits > SEGMENT_BITS) {
          const moved = first.pop() as number;
          firstBits -= moved;
          carried += moved;
        }
      }
      bits = carried;
    } else if (!hasHeader) {
      first.push(size);
    }
    bits += size;
  }
  return describe(encoding, text.length === 0 ? 0 : segments, characters, text.length === 0 ? SEGMENT_BITS : SEGMENT_BITS - bits, nonGsm, text.length);
}
