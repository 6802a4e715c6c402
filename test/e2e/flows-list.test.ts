import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

describe.skipIf(!chromiumPath)('the flows list', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const rowNames = async (): Promise<string[]> =>
    (await browser.page.getByRole('table', { name: 'Flows' }).getByRole('row').allInnerTexts()).slice(1).map((t) => t.split('\n')[0]?.trim() ?? '');

  it('shows the sample flow on first run, and opening it shows the real journey', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).waitFor();
    await screenshot(page, '10-first-run-list');
    await page.getByRole('link', { name: SAMPLE }).click();
    for (const name of ['Trigger step: Cart abandoned', 'Wait step: Wait 1 hour', 'Branch step: Purchased?', 'MMS step: Your cart MMS', 'SMS step: Fallback SMS']) {
      await page.getByRole('group', { name, exact: true }).waitFor();
    }
    // Ready to publish: no errors; the one warning asks for the workspace's brand name (Settings → Workspace), unset on first run.
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.getByText('FIRST_MESSAGE_NO_BRAND').waitFor();
    expect(await problems.getByRole('listitem').count()).toBe(1);
    await screenshot(page, '11-sample-flow');
    await page.getByRole('link', { name: 'All flows', exact: true }).click();
  });

  it('renames, duplicates, searches and deletes (after confirming)', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: SAMPLE }).waitFor();

    await page.getByRole('button', { name: `Rename ${SAMPLE}` }).click();
    const rename = page.getByRole('dialog');
    await rename.getByLabel('Flow name', { exact: true }).fill('Cart recovery');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('link', { name: 'Cart recovery', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Duplicate Cart recovery' }).click();
    await page.getByRole('link', { name: 'Copy of Cart recovery' }).waitFor();
    expect((await rowNames()).sort()).toEqual(['Cart recovery', 'Copy of Cart recovery']);

    await page.getByRole('searchbox', { name: 'Search flows' }).fill('copy');
    await expect.poll(rowNames).toEqual(['Copy of Cart recovery']);
    await page.getByRole('searchbox', { name: 'Search flows' }).fill('no such flow');
    await page.getByRole('heading', { name: /No flows match/ }).waitFor();
    await page.getByRole('button', { name: 'Clear search' }).click();
    await expect.poll(async () => (await rowNames()).length).toBe(2);

    // Cancelling the confirmation keeps the flow; confirming removes it.
    await page.getByRole('button', { name: 'Delete Copy of Cart recovery' }).click();
    const confirm = page.getByRole('dialog', { name: /Delete “Copy of Cart recovery”/ });
    await screenshot(page, '12-delete-confirmation');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await rowNames()).toContain('Copy of Cart recovery');
    await page.getByRole('button', { name: 'Delete Copy of Cart recovery' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete flow' }).click();
    await expect.poll(rowNames).toEqual(['Cart recovery']);
    await screenshot(page, '13-list-after-edits');
  });

  it('exports a flow to a JSON file and imports it back as a copy named apart from the original', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Cart recovery', exact: true }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export Cart recovery' }).click()]);
    expect(download.suggestedFilename()).toBe('cart-recovery.postcard.json');
    const file = join(mkdtempSync(join(tmpdir(), 'postcard-export-')), download.suggestedFilename());
    await download.saveAs(file);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { format: string; name: string; graph: { nodes: unknown[] } };
    expect(document).toMatchObject({ format: 'postcard.flow', name: 'Cart recovery' });
    expect(document.graph.nodes).toHaveLength(7);

    await page.getByLabel('Flow file to import').setInputFiles(file);
    await page.getByRole('status').filter({ hasText: 'Imported cart-recovery.postcard.json as “Cart recovery (imported)”.' }).waitFor();
    await expect.poll(async () => (await rowNames()).sort()).toEqual(['Cart recovery', 'Cart recovery (imported)']);
    await page.getByRole('link', { name: 'Cart recovery (imported)', exact: true }).click();
    await page.getByRole('group', { name: 'MMS step: Your cart MMS', exact: true }).waitFor();
    await expect.poll(() => page.getByRole('group', { name: /step: / }).count()).toBe(7);
    await page.getByRole('link', { name: 'All flows', exact: true }).click();

    // A file that is not a flow is refused by name, and nothing is added.
    const bad = join(dirname(file), 'notes.json');
    writeFileSync(bad, '{"format": "something-else"');
    await page.getByLabel('Flow file to import').setInputFiles(bad);
    await page.getByRole('status').filter({ hasText: /^Could not import notes\.json: it is not JSON/ }).waitFor();
    writeFileSync(bad, JSON.stringify({ ...document, format: 'zapier.zap' }));
    await page.getByLabel('Flow file to import').setInputFiles(bad);
    await page.getByRole('status').filter({ hasText: /^Could not import notes\.json: .*format/ }).waitFor();
    expect((await rowNames()).sort()).toEqual(['Cart recovery', 'Cart recovery (imported)']);
    await page.getByRole('button', { name: 'Delete Cart recovery (imported)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete flow' }).click();
    await expect.poll(rowNames).toEqual(['Cart recovery']);
  });

  it('shows a flow whose stored data is damaged with its error, and the others still open', async () => {
    const { page } = browser;
    const created = await app.postcard.dispatch('flows.create', { name: 'Broken one' });
    expect(created.ok).toBe(true);
    const id = created.ok ? (created.value as { id: string }).id : '';
    app.postcard.sqlite.prepare('UPDATE flows SET draft_graph_json = ? WHERE id = ?').run('{"nodes": [{"oops": true}]', id);

    await page.reload();
    await page.getByRole('note').filter({ hasText: 'cannot be opened' }).waitFor();
    await page.getByRole('link', { name: 'Cart recovery', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Rename Broken one' }).isDisabled()).toBe(true);
    await screenshot(page, '14-damaged-flow');
    await page.getByRole('link', { name: 'Cart recovery', exact: true }).click();
    await page.getByRole('group', { name: 'MMS step: Your cart MMS' }).waitFor();
  });

  it('tells a new user what to do when there are no flows', async () => {
    const { page } = browser;
    const list = await app.postcard.dispatch('flows.list', {});
    for (const flow of list.ok ? (list.value as Array<{ id: string }>) : []) await app.postcard.dispatch('flows.delete', { id: flow.id });
    await page.goto(`${app.host.origin}/#/`);
    await page.getByRole('heading', { name: 'No flows yet' }).waitFor();
    await page.getByRole('button', { name: 'Create your first flow' }).waitFor();
    await screenshot(page, '15-empty-list');
  });
});
