import { describe, expect, it } from 'vitest';
import { fitsProfile, meterForFile, sizeMeter } from '../../src/shared/media/meter';
import { budgetFor, effectiveProfile, getProfile, targetProfiles } from '../../src/shared/media/profiles';
import { sniffFormat } from '../../src/main/media/detect';
import { fitInside } from '../../src/main/media/target';

describe('target profiles', () => {
  it('keeps envelope headroom under every published limit', () => {
    for (const profile of targetProfiles) {
      expect(profile.budgetBytes).toBe(budgetFor(profile.limitBytes));
      expect(profile.budgetBytes).toBeLessThan(profile.limitBytes - 10_000);
      expect(profile.maxImageEdge).toBeGreaterThanOrEqual(1280);
      expect(profile.maxVideoWidth).toBe(640);
    }
    expect(getProfile('us-long-code').limitBytes).toBe(1_000_000);
    expect(getProfile('us-toll-free').limitBytes).toBe(600_000);
    expect(getProfile('tmobile-long-code').limitBytes).toBe(1_500_000);
    expect(getProfile('international').limitBytes).toBe(300_000);
    expect(getProfile('twilio').limitBytes).toBe(5_000_000);
  });

  it('sends with the tightest of carrier limit and provider cap', () => {
    expect(effectiveProfile(['twilio', 'us-toll-free']).id).toBe('us-toll-free');
    expect(effectiveProfile(['telnyx', 'tmobile-long-code']).id).toBe('telnyx');
    expect(effectiveProfile([]).id).toBe('mms-default');
  });

  it('meters a file against each budget and type', () => {
    const meter = meterForFile({ bytes: 700_000, mime: 'image/jpeg' });
    expect(meter.find((entry) => entry.profileId === 'us-long-code')?.passes).toBe(true);
    expect(meter.find((entry) => entry.profileId === 'us-toll-free')?.passes).toBe(false);
    expect(fitsProfile({ bytes: 10_000, mime: 'image/gif' }, getProfile('whatsapp'))).toBe(false);
    const partial = sizeMeter({ international: { bytes: 200_000, mime: 'image/png' } });
    expect(partial.find((entry) => entry.profileId === 'international')?.passes).toBe(true);
    expect(partial.find((entry) => entry.profileId === 'rcs')?.passes).toBeNull();
  });
});

describe('media format detection and box fitting', () => {
  const ftyp = (major: string, ...compatible: string[]) => {
    const box = Buffer.alloc(16 + compatible.length * 4);
    box.writeUInt32BE(box.length, 0);
    box.write(`ftyp${major}`, 4, 'latin1');
    compatible.forEach((brand, index) => box.write(brand, 16 + index * 4, 'latin1'));
    return Buffer.concat([box, Buffer.alloc(64)]);
  };

  it('reads the format from the bytes, not a name', () => {
    expect(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toEqual({ format: 'jpeg' });
    expect(sniffFormat(Buffer.from('GIF89a......'))).toEqual({ format: 'gif' });
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toEqual({ format: 'webp' });
    expect(sniffFormat(ftyp('heic', 'mif1', 'heic'))).toEqual({ format: 'heic' });
    expect(sniffFormat(ftyp('mif1', 'avif', 'miaf'))).toEqual({ format: 'avif' });
    expect(sniffFormat(ftyp('isom', 'iso2', 'avc1', 'mp41'))).toEqual({ format: 'mp4' });
    expect(sniffFormat(ftyp('qt  ', 'qt  '))).toEqual({ format: 'mov' });
    expect(sniffFormat(Buffer.from('%PDF-1.7 ...'))).toEqual({ format: null, looksLike: 'a PDF document' });
    expect(sniffFormat(Buffer.alloc(0))).toEqual({ format: null, looksLike: 'an empty file' });
  });

  it('fits inside the box without enlarging', () => {
    expect(fitInside(4000, 3000, 1280, 1280)).toEqual({ width: 1280, height: 960 });
    expect(fitInside(3000, 4000, 1280, 1280)).toEqual({ width: 960, height: 1280 });
    expect(fitInside(300, 200, 1280, 1280)).toEqual({ width: 300, height: 200 });
  });
});
