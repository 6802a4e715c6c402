import { describe, expect, inject, it } from 'vitest';
import type { FlowDetail, FlowSettings } from '../../src/shared';
import type { WorkspaceSettings } from '../../src/shared/audience/workspace';
import { edge, graph, node } from '../support/graphs';
import { canvasNode, screenshot, type OpenBrowser, useAppInBrowser } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('workspace keywords and compliance fixes', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  const workspace = async (): Promise<WorkspaceSettings> => {
    const result = await app.postcard.dispatch('workspace.settings', {});
    if (!result.ok) throw new Error(result.error.message);
    return result.value as WorkspaceSettings;
  };

  it('Settings → Workspace saves the brand name and keywords; a built-in word is refused in words', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Workspace' });
    await form.getByLabel('Brand name').fill('Acme Shoes');
    await form.getByRole('button', { name: 'Add PAUSE' }).click();
    await form.getByRole('button', { name: 'Add keyword' }).click();
    const added = form.getByRole('list', { name: 'Your keywords' }).getByRole('listitem').nth(1);
    await added.getByLabel('Word', { exact: true }).fill('stop');
    await form.getByRole('button', { name: 'Save workspace' }).click();
    await form.getByRole('status').getByText('STOP is a built-in keyword (opt-out) and cannot be changed').waitFor();
    expect((await workspace()).keywords).toEqual([]);

    await added.getByLabel('Word', { exact: true }).fill('unsub');
    await added.getByLabel('Reply', { exact: true }).fill('Acme Shoes: you are unsubscribed.');
    await form.getByRole('button', { name: 'Save workspace' }).click();
    await form.getByRole('status').getByText(/^Saved/).waitFor();
    await screenshot(page, 'workspace-01-keywords');
    const saved = await workspace();
    expect(saved.brandName).toBe('Acme Shoes');
    expect(saved.keywords.map((k) => [k.word, k.action, k.reply])).toEqual([
      ['PAUSE', 'pause', 'You will get no marketing texts from us for {days} days, until {date}. Reply START to resume sooner.'],
      ['UNSUB', 'opt_out', 'Acme Shoes: you are unsubscribed.'],
    ]);
    await page.reload();
    await page.getByRole('listitem', { name: 'Keyword UNSUB' }).waitFor();
    expect(await page.getByRole('form', { name: 'Workspace' }).getByLabel('Brand name').inputValue()).toBe('Acme Shoes');
  });

  it('the Problems panel fixes the first message (opt-out wording, brand) and turns quiet hours on, each one undo step', async () => {
    const created = await app.postcard.dispatch('flows.create', { name: 'Club welcome' });
    if (!created.ok) throw new Error(created.error.message);
    const flow = created.value as FlowDetail;
    const settings: FlowSettings = { ...flow.settings, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } };
    const draft = graph(
      [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Welcome to the club!' }, 'Welcome'), node('x', 'exit')],
      [edge('t', 'next', 's'), edge('s', 'next', 'x')],
    );
    expect((await app.postcard.dispatch('flows.saveDraft', { id: flow.id, graph: draft, settings })).ok).toBe(true);

    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: 'Club welcome' }).click();
    await canvasNode(page, 'SMS step: Welcome').waitFor();
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.getByText('FIRST_MESSAGE_NO_BRAND').waitFor();
    await screenshot(page, 'compliance-01-fixes-offered');
    await problems.getByRole('button', { name: 'Add “Reply STOP to opt out.”' }).click();
    await problems.getByText('FIRST_MESSAGE_NO_OPT_OUT').waitFor({ state: 'detached' });
    await problems.getByRole('button', { name: 'Start with “Acme Shoes:”' }).click();
    await problems.getByText('FIRST_MESSAGE_NO_BRAND').waitFor({ state: 'detached' });
    await problems.getByRole('button', { name: 'Turn quiet hours on (21:00–08:00)' }).click();
    await problems.getByText('QUIET_HOURS_OFF').waitFor({ state: 'detached' });
    await screenshot(page, 'compliance-02-fixed');

    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const saved = async (): Promise<FlowDetail> => {
      const result = await app.postcard.dispatch('flows.get', { id: flow.id });
      if (!result.ok) throw new Error(result.error.message);
      return result.value as FlowDetail;
    };
    await expect.poll(async () => (await saved()).settings.quietHours.isEnabled, { timeout: 10_000 }).toBe(true);
    const sms = (await saved()).graph.nodes.find((n) => n.id === 's');
    expect(sms?.kind === 'sms' && sms.config.body).toBe('Acme Shoes: Welcome to the club! Reply STOP to opt out.');

    // A fix is one step of history: Undo takes back the last (quiet hours) and its warning returns.
    await page.getByRole('button', { name: 'Undo' }).click();
    await problems.getByText('QUIET_HOURS_OFF').waitFor();
    expect(await problems.getByText('FIRST_MESSAGE_NO_BRAND').count()).toBe(0);
  });
});
