import { describe, expect, it } from 'vitest';
import { countSmsSegments } from '../../src/shared/sms/segments';

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
