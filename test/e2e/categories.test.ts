import { describe, expect, inject, it } from 'vitest';
import type { AudienceCatalog } from '../../src/shared/api/audience';
import type { ApiResult } from '../../src/shared/api/result';
import { screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('Settings → Subscription categories', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const catalog = async (): Promise<AudienceCatalog> => ((await app.postcard.dispatch('audience.catalog', {})) as ApiResult<AudienceCatalog> & { ok: true }).value;

  it('adds a category, refuses a second one of the same name and an id it cannot take, renames and describes it, archives it', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Subscription categories' });
    // The three every workspace starts with.
    await section.getByRole('listitem', { name: 'Order updates' }).waitFor();

    await section.getByRole('button', { name: 'Add category' }).click();
    const add = section.getByRole('form', { name: 'Add a category' });
    await add.getByLabel('Name').fill('Loyalty rewards');
    expect(await add.getByLabel('ID').inputValue()).toBe('loyalty-rewards');
    await add.getByLabel('Description (optional)').fill('Points and member perks');
    await add.getByRole('button', { name: 'Add category' }).click();
    const row = section.getByRole('listitem', { name: 'Loyalty rewards' });
    await row.getByText('Points and member perks · Only contacts who subscribe').waitFor();
    expect((await catalog()).categories).toContainEqual({ id: 'loyalty-rewards', label: 'Loyalty rewards', description: 'Points and member perks', isDefaultSubscribed: false });

    // The same name again would quietly overwrite the first: refused, with what to do instead.
    await section.getByRole('button', { name: 'Add category' }).click();
    await add.getByLabel('Name').fill('back in stock');
    await add.getByRole('button', { name: 'Add category' }).click();
    await add.getByRole('alert').getByText('There is already a category “Back in stock” (back_in_stock): edit it instead.').waitFor();
    // An id the API cannot take is refused in the form's words.
    await add.getByLabel('Name').fill('VIP news');
    await add.getByLabel('ID').fill('VIP!');
    await add.getByRole('button', { name: 'Add category' }).click();
    await add.getByRole('alert').getByText('ID: category ids are lower-case letters, digits, - and _').waitFor();
    await screenshot(page, 'categories-01-refused');
    await add.getByLabel('ID').fill('vip-news');
    await add.getByLabel('Contacts are in it unless they leave it (otherwise only those who subscribe)').check();
    await add.getByRole('button', { name: 'Add category' }).click();
    await section.getByRole('listitem', { name: 'VIP news' }).getByText('Contacts are in it unless they leave it').waitFor();

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = section.getByRole('form', { name: 'Edit Loyalty rewards' });
    await edit.getByLabel('Name').fill('Rewards club');
    await edit.getByLabel('Description (optional)').fill('Points, perks and birthday treats');
    await edit.getByRole('button', { name: 'Save' }).click();
    const renamed = section.getByRole('listitem', { name: 'Rewards club' });
    await renamed.getByText('Points, perks and birthday treats', { exact: false }).waitFor();
    await renamed.getByText('loyalty-rewards', { exact: true }).waitFor();
    await screenshot(page, 'categories-02-list');

    page.once('dialog', (dialog) => void dialog.accept());
    await renamed.getByRole('button', { name: 'Archive' }).click();
    await section.getByText('Archived “Rewards club”.').waitFor();
    expect(await renamed.count()).toBe(0);
    expect((await catalog()).categories.map((c) => c.id).sort()).toEqual(['back_in_stock', 'order_updates', 'promotions', 'vip-news']);
  });
});
