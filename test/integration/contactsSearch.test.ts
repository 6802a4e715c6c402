import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import type { ContactsSearchResult } from '../../src/shared/api/engine';

let dir: string;
let postcard: Postcard;

const search = async (input: unknown): Promise<ContactsSearchResult> => {
  const result = await postcard.dispatch('contacts.search', input, { transport: 'http' });
  if (!result.ok) throw new Error(`contacts.search: ${result.error.code} ${result.error.message}`);
  return result.value as ContactsSearchResult;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-contacts-search-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
  const csv = [
    'phone,first_name,customer_id',
    '+12125550150,Ava,c_100',
    '+14155550151,Liam,c_101',
    '+13125550152,Maya,c_1%2',
    '+447700900123,Noah,c_103',
  ].join('\n');
  const imported = await postcard.dispatch('contacts.import', { csv }, { transport: 'http' });
  expect(imported.ok).toBe(true);
});
afterAll(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('contacts.search', () => {
  it('lists every contact for a blank query, with the totals', async () => {
    const result = await search({});
    expect(result.total).toBe(4);
    expect(result.matched).toBe(4);
    expect(result.contacts.map((c) => c.phone).sort()).toEqual(['+12125550150', '+13125550152', '+14155550151', '+447700900123']);
    const ava = result.contacts.find((c) => c.phone === '+12125550150');
    expect(ava?.timeZone).toBe('America/New_York');
    expect(ava?.attributes.first_name).toBe('Ava');
  });

  it('matches the digits of a national or international number', async () => {
    expect((await search({ query: '(212) 555-0150' })).contacts.map((c) => c.phone)).toEqual(['+12125550150']);
    expect((await search({ query: '+44 7700' })).contacts.map((c) => c.phone)).toEqual(['+447700900123']);
    const partial = await search({ query: '555015' });
    expect(partial.matched).toBe(3);
    expect(partial.total).toBe(4);
  });

  it('matches attribute text, and treats LIKE wildcards literally', async () => {
    expect((await search({ query: 'liam' })).contacts.map((c) => c.phone)).toEqual(['+14155550151']);
    expect((await search({ query: 'c_1%' })).contacts.map((c) => c.phone)).toEqual(['+13125550152']);
    expect((await search({ query: 'nobody' })).matched).toBe(0);
  });

  it('honours the limit and refuses bad input with INVALID_INPUT', async () => {
    expect((await search({ limit: 2 })).contacts).toHaveLength(2);
    const tooLong = await postcard.dispatch('contacts.search', { query: 'x'.repeat(65) }, { transport: 'http' });
    expect(tooLong.ok ? null : tooLong.error.code).toBe('INVALID_INPUT');
    const extra = await postcard.dispatch('contacts.search', { query: '', sneaky: 1 }, { transport: 'http' });
    expect(extra.ok ? null : extra.error.code).toBe('INVALID_INPUT');
  });
});
