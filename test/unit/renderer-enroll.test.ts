import { describe, expect, it } from 'vitest';
import { describeEnrollment, parsePhoneList } from '../../src/renderer/src/live/EnrollDialog';

describe('enrolling contacts by hand', () => {
  it('reads numbers one per line or separated by commas, semicolons or tabs, keeping spaces inside a number, each once', () => {
    expect(parsePhoneList('+12125550150\n(415) 555-0151, +13125550152;\t+12125550150\r\n\n  ')).toEqual([
      '+12125550150',
      '(415) 555-0151',
      '+13125550152',
    ]);
    expect(parsePhoneList(' \n,;')).toEqual([]);
  });

  it('says what happened in words a marketer can act on', () => {
    expect(describeEnrollment({ enrolled: 1, refused: 0, unknownPhones: [] })).toBe('1 contact entered the flow.');
    expect(describeEnrollment({ enrolled: 1200, refused: 2, unknownPhones: ['+1999', 'abc', '+1888', '+1777', '+1666'] })).toBe(
      "1,200 contacts entered the flow. 2 contacts were kept out by the flow's re-entry rule. 5 numbers are not a contact yet (+1999, abc, +1888 and 2 more): import them on the Contacts tab first.",
    );
    expect(describeEnrollment({ enrolled: 0, refused: 1, unknownPhones: ['+1999'] })).toBe(
      "0 contacts entered the flow. 1 contact was kept out by the flow's re-entry rule. 1 number is not a contact yet (+1999): import them on the Contacts tab first.",
    );
  });
});
