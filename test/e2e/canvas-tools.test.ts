import { describe, expect, inject, it } from 'vitest';
import { canvasNode, type OpenBrowser, screenshot, useAppInBrowser, zoomToFullCard } from './browser';
import type { FlowDetail, FlowSettings, FlowSummary } from '../../src/shared';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

describe.skipIf(!chromiumPath)('canvas tools: problems panel, keyboard, clipboard, layout', () => {
  let app: RunningApp;
  let browser: OpenBrowser;

  useAppInBrowser(
    (started) => ({ app, browser } = started),
    (started) => started.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: started.app.host.origin }),
  );

  /** The sample flow's settings as saved (autosave included), read through the API. */
  const savedSampleSettings = async (): Promise<FlowSettings | null> => {
    const flows = await app.postcard.dispatch('flows.list', {});
    const id = flows.ok ? (flows.value as FlowSummary[]).find((f) => f.name === SAMPLE)?.id : undefined;
    const flow = await app.postcard.dispatch('flows.get', { id });
    return flow.ok ? (flow.value as FlowDetail).settings : null;
  };
  const stepCount = (): Promise<number> => browser.page.getByRole('group', { name: / step: / }).count();
  const pane = () => browser.page.getByRole('application', { name: 'Flow canvas' });

  it('selects and centres the step of a problem chosen in the problems panel', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'SMS step: Fallback SMS').click();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('');
    // Select something else, then find the SMS again through its problem.
    await canvasNode(page, 'Trigger step: Cart abandoned').click();
    await page.getByRole('region', { name: 'Trigger step settings' }).waitFor();
    await page.getByRole('list', { name: 'Problems' }).getByRole('button', { name: /"Fallback SMS" has no text/ }).click();
    await page.getByRole('region', { name: 'SMS step settings' }).waitFor();
    await expect.poll(() => canvasNode(page, 'SMS step: Fallback SMS').getAttribute('class')).toContain('selected');
    // …and brought to the middle of the canvas.
    const centreOffset = async (): Promise<number> => {
      const canvas = await pane().boundingBox();
      const node = await canvasNode(page, 'SMS step: Fallback SMS').boundingBox();
      if (!canvas || !node) return Infinity;
      return Math.hypot(node.x + node.width / 2 - (canvas.x + canvas.width / 2), node.y + node.height / 2 - (canvas.y + canvas.height / 2));
    };
    await expect.poll(centreOffset).toBeLessThan(20);
    await screenshot(page, '20-problem-selected');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Undo' }).click();
    // The error is gone; workspace compliance warnings (no brand name set yet) may remain.
    await page.getByRole('list', { name: 'Problems' }).getByText(/"Fallback SMS" has no text/).waitFor({ state: 'detached' });
    await page.getByText(/^\d+ errors?/).waitFor({ state: 'detached' });
  });

  it('adds steps from the keyboard, duplicates and deletes them, and lists the shortcuts', async () => {
    const { page } = browser;
    const before = await stepCount();
    await page.getByRole('button', { name: 'Add SMS step' }).focus();
    await page.keyboard.press('Enter');
    await canvasNode(page, 'SMS step: SMS 2').waitFor();
    expect(await stepCount()).toBe(before + 1);

    await pane().click({ position: { x: 20, y: 20 } });
    await canvasNode(page, 'SMS step: SMS 2').click();
    await page.keyboard.press('Control+d');
    await canvasNode(page, 'SMS step: SMS 2').nth(1).waitFor();
    expect(await stepCount()).toBe(before + 2);
    await page.keyboard.press('Delete');
    await expect.poll(stepCount).toBe(before + 1);
    await page.keyboard.press('Control+z');
    await expect.poll(stepCount).toBe(before + 2);
    await page.keyboard.press('Control+y');
    await expect.poll(stepCount).toBe(before + 1);

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Tidy up (auto-layout)').waitFor();
    await screenshot(page, '21-shortcuts');
    await help.getByRole('button', { name: 'Close' }).click();
    await help.waitFor({ state: 'detached' });

    // Auto-layout is one undoable step that moves steps onto the dagre layers.
    const smsBox = await canvasNode(page, 'SMS step: SMS 2').boundingBox();
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await expect.poll(async () => JSON.stringify(await canvasNode(page, 'SMS step: SMS 2').boundingBox())).not.toBe(JSON.stringify(smsBox));
    await screenshot(page, '22-auto-layout');
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  });

  it('copies steps from one flow and pastes them into another', async () => {
    const { page } = browser;
    await pane().click({ position: { x: 20, y: 20 } });
    await canvasNode(page, 'MMS step: Your cart MMS').click();
    await canvasNode(page, 'SMS step: Fallback SMS').click({ modifiers: ['Control'] });
    await page.keyboard.press('Control+c');

    await page.getByRole('link', { name: 'All flows', exact: true }).click();
    await page.getByRole('button', { name: 'New flow' }).click();
    await page.getByRole('dialog').getByLabel('Flow name', { exact: true }).fill('Paste target');
    await page.getByRole('dialog').getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { name: 'Paste target' }).waitFor();
    await pane().click({ position: { x: 300, y: 300 } });
    await page.keyboard.press('Control+v');

    await canvasNode(page, 'MMS step: Your cart MMS').waitFor();
    await canvasNode(page, 'SMS step: Fallback SMS').waitFor();
    // The wire between the two copied steps came along, with fresh ids.
    await expect.poll(() => page.getByRole('group', { name: 'Connection from Your cart MMS (fallback) to Fallback SMS' }).count()).toBe(1);
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await screenshot(page, '23-pasted');

    const flows = await app.postcard.dispatch('flows.list', {});
    const target = flows.ok ? (flows.value as Array<{ id: string; name: string }>).find((f) => f.name === 'Paste target') : undefined;
    const detail = await app.postcard.dispatch('flows.get', { id: target?.id });
    const graph = detail.ok ? (detail.value as { graph: { nodes: Array<{ id: string }> } }).graph : { nodes: [] };
    expect(graph.nodes).toHaveLength(2);
    expect(graph.nodes.map((n) => n.id)).not.toContain('mms_cart');
  });

  it('takes in a draft saved elsewhere while nothing is unsaved here; with an edit being saved, refuses to overwrite it and offers a reload', async () => {
    const { page } = browser;
    const flows = await app.postcard.dispatch('flows.list', {});
    const target = flows.ok ? (flows.value as Array<{ id: string; name: string }>).find((f) => f.name === 'Paste target') : undefined;
    const current = async (): Promise<{ nodes: Array<{ label?: string }> }> => {
      const detail = await app.postcard.dispatch('flows.get', { id: target?.id });
      if (!detail.ok) throw new Error(detail.error.message);
      return (detail.value as FlowDetail).graph as unknown as { nodes: Array<{ label?: string }> };
    };
    const renamedTo = async (from: string, to: string): Promise<void> => {
      const graph = await current();
      const saved = await app.postcard.dispatch('flows.saveDraft', { id: target?.id, graph: { ...graph, nodes: graph.nodes.map((n) => (n.label === from ? { ...n, label: to } : n)) } });
      expect(saved.ok).toBe(true);
    };
    // Another window (here: the API directly) renames a step and saves; nothing is unsaved here,
    // so the editor shows the newer draft in place, says so, and has nothing to undo into.
    await renamedTo('Fallback SMS', 'Saved elsewhere');
    await canvasNode(page, 'SMS step: Saved elsewhere').waitFor();
    await page.getByRole('status').filter({ hasText: 'updated from elsewhere' }).waitFor();
    expect(await page.getByRole('button', { name: 'Undo' }).isDisabled()).toBe(true);
    await screenshot(page, '24-updated-from-elsewhere');

    // Now a step is added here, and its save is on the way (held at the door) when the other save lands.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let isSaving: () => void = () => {};
    const saving = new Promise<void>((resolve) => (isSaving = resolve));
    await page.route('**/api/flows.saveDraft', async (route) => {
      isSaving();
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Add SMS step' }).click();
    await saving;
    await renamedTo('Saved elsewhere', 'Saved elsewhere again');
    release();
    await page.getByRole('status').filter({ hasText: 'changed elsewhere' }).waitFor();
    await page.unroute('**/api/flows.saveDraft');
    await screenshot(page, '24-changed-elsewhere');
    // Nothing was overwritten: the other save stands.
    expect((await current()).nodes.map((n) => n.label)).toContain('Saved elsewhere again');
    await page.getByRole('button', { name: 'Reload flow' }).click();
    await canvasNode(page, 'SMS step: Saved elsewhere again').waitFor();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  });

  it('draws cards as coloured blocks when zoomed far out, with their problems still marked, and in full when zoomed in', async () => {
    const { page } = browser;
    await page.goto(`${app.host.origin}/#/`);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'SMS step: Fallback SMS').click();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('');
    const sms = canvasNode(page, 'SMS step: Fallback SMS');
    await sms.getByRole('img', { name: '1 problem' }).waitFor();

    const zoomOut = page.getByRole('button', { name: 'Zoom Out' });
    for (let i = 0; i < 30 && (await zoomOut.isEnabled()); i++) await zoomOut.click();
    await expect.poll(() => sms.locator('.node-card').getAttribute('class')).toContain('is-overview');
    // No text is drawn at this zoom, but the problem is: a dot a user can spot and a screen reader names.
    expect(await sms.textContent()).toBe('');
    expect(await sms.getByRole('img', { name: '1 problem' }).isVisible()).toBe(true);
    // Wires are bare curves there: no arrowheads, no wide invisible band for the pointer.
    const wire = page.getByRole('group', { name: /^Connection from Your cart MMS \(fallback\)/ });
    expect(await wire.locator('.react-flow__edge-interaction').count()).toBe(0);
    expect(await wire.locator('.react-flow__edge-path').getAttribute('marker-end')).toBeNull();
    await screenshot(page, '25-overview');

    // At "fit view" the seven steps are compact cards: the name, drawn large enough to read.
    await page.getByRole('button', { name: 'Fit View' }).click();
    await expect.poll(() => sms.locator('.node-card').getAttribute('class')).toContain('is-compact');
    await expect.poll(() => sms.textContent()).toContain('Fallback SMS');
    await zoomToFullCard(page, sms);
    await expect.poll(() => sms.textContent()).toContain('No message text yet');
    await expect.poll(() => sms.locator('.node-card').getAttribute('class')).not.toContain('is-overview');
    expect(await wire.locator('.react-flow__edge-interaction').count()).toBe(1);
    expect(await wire.locator('.react-flow__edge-path').getAttribute('marker-end')).toContain('url(');
    await page.getByRole('button', { name: 'Undo' }).click();
    await sms.getByRole('img', { name: '1 problem' }).waitFor({ state: 'detached' });
  });

  it('has a dark theme', async () => {
    const { page } = browser;
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${app.host.origin}/#/`);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'MMS step: Your cart MMS').click();
    // A string expression: this file is type-checked without the DOM library.
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(15, 18, 23)');
    await screenshot(page, '26-dark-theme');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists every time zone once the default time zone is reached for, and keeps the one chosen', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    const zone = page.getByLabel('Default time zone');
    await zone.waitFor();
    // Opening a flow renders only the zone in use, not some 400 options.
    expect(await zone.locator('option').allTextContents()).toEqual(['America/New York']);
    await zone.focus();
    await expect.poll(() => zone.locator('option').count()).toBeGreaterThan(300);
    await zone.selectOption('America/Los_Angeles');
    // Autosaved, then still there after a reload.
    await expect.poll(async () => (await savedSampleSettings())?.defaultTimeZone).toBe('America/Los_Angeles');
    await page.reload();
    await expect.poll(() => page.getByLabel('Default time zone').inputValue()).toBe('America/Los_Angeles');
  });

  it("keeps the flow's send profile as a setting: chosen in the preview, shown in flow settings, undone like any edit", async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    const inSettings = page.getByLabel('Send profile', { exact: true });
    expect(await inSettings.inputValue()).toBe('mms-default');

    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.getByRole('dialog', { name: 'Preview' });
    await preview.getByLabel('Send profile').selectOption('us-long-code');
    await preview.getByRole('button', { name: 'Close preview' }).click();
    expect(await inSettings.inputValue()).toBe('us-long-code');

    await page.keyboard.press('Control+z');
    await expect.poll(() => inSettings.inputValue()).toBe('mms-default');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => inSettings.inputValue()).toBe('us-long-code');
    await expect.poll(async () => (await savedSampleSettings())?.sendProfileId).toBe('us-long-code');
  });
});
