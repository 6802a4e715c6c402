import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BODY_CHARS, countLinear, countSmsSegments } from '../../src/shared/sms/segments';

describe('countSmsSegments', () => {
  it('counts a plain GSM-7 text as one segment up to 160 characters', () => {
    expect(countSmsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1, characters: 160, charactersLeft: 0, perSegment: 160 });
    expect(countSmsSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2, perSegment: 153, charactersLeft: 145 });
  });

  it('counts GSM-7 extension characters twice', () => {
    expect(countSmsSegments('€{}').characters).toBe(6);
    expect(countSmsSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', segments: 1, charactersLeft: 0 });
    expect(countSmsSegments('€'.repeat(81)).segments).toBe(2);
  });

  it('switches to UCS-2 for one emoji and names the character that forced it', () => {
    const info = countSmsSegments(`Sale today ${'x'.repeat(50)} 🎉`);
    expect(info.encoding).toBe('UCS-2');
    expect(info.nonGsmCharacters).toEqual(['🎉']);
    expect(countSmsSegments('x'.repeat(70)).encoding).toBe('GSM-7');
    expect(countSmsSegments('ü'.repeat(70))).toMatchObject({ encoding: 'GSM-7' });
    expect(countSmsSegments('ł'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 1, charactersLeft: 0 });
    expect(countSmsSegments('ł'.repeat(71))).toMatchObject({ encoding: 'UCS-2', segments: 2, perSegment: 67 });
  });

  it('reports an empty text as zero segments', () => {
    expect(countSmsSegments('')).toMatchObject({ segments: 0, characters: 0, charactersLeft: 160 });
  });
});

/** Seeded texts of every kind the counting has to get right, at every length up to the send limit. */
function corpus(): string[] {
  let seed = 7;
  const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const gsmBasic = [...'abcXYZ019 .,!?@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"#¤%&\'()*+-/:;<=>¡ÄÖÑÜ§¿äöñüà'];
  const gsmExtension = [...'€{}[]~^|\\', '\f'];
  const ucs = ['ł', '中', 'ş', 'ő', '’', '“', '—', '\u00a0'];
  const astral = ['😀', '🎉', '👍🏽', '👨‍👩‍👧', '🇺🇸', 'e\u0301', '𝒜'];
  const breaks = ['\n', '\r\n', '\r'];
  const texts: string[] = ['', 'a', '€', '😀', '\r\n'];
  const mixes: Array<Array<readonly string[]>> = [[gsmBasic], [gsmBasic, gsmExtension], [gsmBasic, breaks], [gsmBasic, ucs], [gsmBasic, astral], [ucs, astral, gsmExtension, breaks], [astral]];
  for (let i = 0; i < 250; i++) {
    const alphabets = pick(mixes);
    // Lengths cluster around the segment boundaries, where an escape pair or an emoji decides.
    const target = pick([next() * 1600, 150 + next() * 20, 300 + next() * 20, 60 + next() * 20, 130 + next() * 10, 1500 + next() * 100]);
    let text = '';
    while (text.length < target) text += pick(pick(alphabets));
    texts.push(text);
  }
  return texts;
}

describe('counting in one pass', () => {
  it('gives exactly the library\'s counts on a corpus of texts up to the send limit', () => {
    const texts = corpus();
    expect(texts.filter((t) => t.length > 153 && /[€{}[\]~^|\\]/.test(t)).length).toBeGreaterThan(20);
    for (const text of texts) {
      expect(text.length).toBeLessThanOrEqual(MAX_MESSAGE_BODY_CHARS + 12);
      const library = countSmsSegments(text.slice(0, MAX_MESSAGE_BODY_CHARS));
      expect([text.length, countLinear(text.slice(0, MAX_MESSAGE_BODY_CHARS))]).toEqual([text.length, library]);
    }
    // The library's own cost grows with the square of the length: give it time on a busy machine.
  }, 60_000);

  it('counts a 100,000-character text and says it is over the limit Postcard sends', () => {
    expect(countSmsSegments('a'.repeat(100_000))).toMatchObject({ encoding: 'GSM-7', segments: Math.ceil(100_000 / 153), isOverLimit: true, perSegment: 153 });
    expect(countSmsSegments(`${'ł'.repeat(99_999)}😀`)).toMatchObject({ encoding: 'UCS-2', characters: 100_000, isOverLimit: true, nonGsmCharacters: ['ł', '😀'] });
    expect(countSmsSegments('a'.repeat(MAX_MESSAGE_BODY_CHARS)).isOverLimit).toBe(false);
    expect(countSmsSegments('a'.repeat(MAX_MESSAGE_BODY_CHARS + 1)).isOverLimit).toBe(true);
    // Splitting 100,000 characters into graphemes takes a few seconds on a busy machine.
  }, 30_000);
});
