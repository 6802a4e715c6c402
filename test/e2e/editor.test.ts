import { describe, expect, inject, it } from 'vitest';
import { canvasNode, connect, dropStep, screenshot, type OpenBrowser, useAppInBrowser, publishThroughReview } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');

describe.skipIf(!chromiumPath)('building a flow on the canvas, as a new user would', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('creates, wires, configures, validates, undoes, survives a reload and publishes', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    // The token moved from the address bar into the tab's session.
    expect(page.url()).not.toContain('token=');

    // ---- create a flow
    await page.getByRole('button', { name: 'New flow' }).click();
    const dialog = page.getByRole('dialog', { name: 'New flow' });
    await dialog.getByLabel('Flow name', { exact: true }).fill('Spring sale');
    await dialog.getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { name: 'Spring sale' }).waitFor();
    await page.getByText('Start with a trigger').waitFor();
    await screenshot(page, '01-empty-flow');

    // ---- drag five kinds onto the canvas
    await dropStep(page, 'Trigger', { x: 200, y: 90 });
    await dropStep(page, 'Wait', { x: 200, y: 260 });
    await dropStep(page, 'MMS', { x: 200, y: 440 });
    await dropStep(page, 'SMS', { x: 560, y: 440 });
    await dropStep(page, 'Exit', { x: 560, y: 250 });
    const trigger = canvasNode(page, 'Trigger step: Trigger');
    const wait = canvasNode(page, 'Wait step: Wait');
    const mms = canvasNode(page, 'MMS step: MMS');
    const sms = canvasNode(page, 'SMS step: SMS');
    const exit = canvasNode(page, 'Exit step: Exit');
    for (const node of [trigger, wait, mms, sms, exit]) await node.waitFor();
    await screenshot(page, '02-five-steps');

    // ---- connect them: three by dragging between handles, two from the inspector (keyboard path)
    await connect(page, trigger, 'next', wait);
    await connect(page, wait, 'next', mms);
    await connect(page, mms, 'sent', exit);
    await mms.click();
    await page.getByLabel('Fallback goes to', { exact: true }).selectOption({ label: 'SMS (SMS)' });
    await sms.click();
    await page.getByLabel('Next goes to', { exact: true }).selectOption({ label: 'Exit (Exit)' });
    await expect.poll(() => page.getByRole('group', { name: /^Connection from/ }).count()).toBe(5);

    // ---- configure them
    await trigger.click();
    await page.getByLabel('Event name', { exact: true }).fill('spring_browse');
    await wait.click();
    await page.getByLabel('Amount', { exact: true }).fill('2');
    await page.getByLabel('Unit', { exact: true }).selectOption('days');
    await mms.click();
    await page.getByLabel('Step name', { exact: true }).fill('Spring lookbook');
    await page.getByLabel('Subject', { exact: true }).fill('Spring is here');
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Hi {{ first_name | default: "there" }}, the spring collection is in. Reply STOP to opt out.');
    await expect.poll(() => page.getByRole('group', { name: 'Media' }).textContent()).toContain('Drop an image, GIF or video');

    // ---- a validation badge: the SMS still has no text
    const smsBadge = sms.getByRole('img', { name: '1 problem' });
    await smsBadge.waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    await screenshot(page, '03-validation-badge');

    // ---- fix it; the SMS inspector counts characters and segments as you type
    await sms.click();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Spring sale: 20% off today only. Reply STOP to opt out.');
    await expect.poll(() => page.locator('.sms-count').textContent()).toBe('55 characters · 1 segment · GSM-7');
    await smsBadge.waitFor({ state: 'detached' });
    // What is left are compliance warnings about the new flow's default settings: they do not block publishing.
    const problems = page.getByRole('list', { name: 'Problems' }).getByRole('button');
    await problems.filter({ hasText: 'HELP_REPLY_GENERIC' }).waitFor();
    await problems.filter({ hasText: 'QUIET_HOURS_STRICT_STATES' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Publish' }).isEnabled()).toBe(true);
    await screenshot(page, '04-fixed');

    // ---- undo brings the problem back, redo fixes it again (keyboard and toolbar)
    await page.getByRole('application', { name: 'Flow canvas' }).click({ position: { x: 700, y: 60 } });
    await page.keyboard.press('Control+z');
    await smsBadge.waitFor();
    await page.keyboard.press('Control+Shift+z');
    await smsBadge.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Undo' }).click();
    await smsBadge.waitFor();
    await page.getByRole('button', { name: 'Redo' }).click();
    await smsBadge.waitFor({ state: 'detached' });

    // ---- reload: everything is still there
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await canvasNode(page, 'MMS step: Spring lookbook').waitFor();
    await expect.poll(() => page.getByRole('group', { name: /step: / }).count()).toBe(5);
    await expect.poll(() => page.getByRole('group', { name: /^Connection from/ }).count()).toBe(5);
    await canvasNode(page, 'SMS step: SMS').click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Message', exact: true }).inputValue()).toBe('Spring sale: 20% off today only. Reply STOP to opt out.');
    await canvasNode(page, 'Wait step: Wait').click();
    await expect.poll(() => page.getByLabel('Unit', { exact: true }).inputValue()).toBe('days');
    await screenshot(page, '05-after-reload');

    // ---- publish
    await publishThroughReview(page);
    await screenshot(page, '06-published');
    const stored = await app.postcard.dispatch('flows.list', {});
    expect(stored.ok && (stored.value as Array<{ name: string; latestVersion: number | null }>).find((f) => f.name === 'Spring sale')?.latestVersion).toBe(1);
  });
});
