import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { boxesOverlap, canvasNode, screenshot, type OpenBrowser, useAppInBrowser, publishThroughReview } from './browser';
import type { RunningApp } from './harness';

const chromiumPath = inject('chromiumPath');
const SAMPLE = 'Abandoned cart: MMS with SMS fallback';

/** The smallest on-screen size (CSS px × the canvas's zoom) of any text drawn on a step card. */
// Page scripts are strings: the test project has no DOM types.
const SMALLEST_TEXT = `(() => {
  const viewport = document.querySelector('.react-flow__viewport');
  const zoom = viewport ? new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a : 1;
  let smallest = { px: Infinity, text: '', zoom };
  const walker = document.createTreeWalker(document.querySelector('.react-flow__nodes') || document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || !node.textContent.trim()) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    // Not drawn: hidden, or clipped to a pixel for screen readers only.
    if (style.visibility === 'hidden' || box.width <= 1 || box.height <= 1 || style.clipPath === 'inset(50%)') continue;
    const px = parseFloat(style.fontSize) * zoom;
    if (px < smallest.px) smallest = { px, text: node.textContent.trim(), zoom };
  }
  return smallest;
})()`;

const CARD_BOXES = `[...document.querySelectorAll('.react-flow__node')].map((el) => {
  const box = el.getBoundingClientRect();
  return { name: el.getAttribute('aria-label') || el.dataset.id || '', x: box.x, y: box.y, width: box.width, height: box.height };
})`;

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The smallest on-screen size (CSS px × the canvas's zoom) of any text drawn on a step card. */
const smallestCardText = (page: Page): Promise<{ px: number; text: string; zoom: number }> => page.evaluate(SMALLEST_TEXT);
/** Card boxes on screen, by accessible name. */
const cardBoxes = (page: Page): Promise<Box[]> => page.evaluate(CARD_BOXES);

const overlaps = boxesOverlap;

function overlappingPairs(boxes: Box[]): string[] {
  const pairs: string[] = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i]!, boxes[j]!)) pairs.push(`${boxes[i]!.name} × ${boxes[j]!.name}`);
  return pairs;
}

describe.skipIf(!chromiumPath)('the canvas, as a new user meets it', () => {
  let app: RunningApp;
  let browser: OpenBrowser;
  useAppInBrowser((started) => ({ app, browser } = started));

  it('keeps step text readable at "fit view" on the seven-step sample', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'MMS step: Your cart MMS').waitFor();
    await page.getByRole('button', { name: /fit view/i }).click();
    await page.waitForTimeout(400);
    const smallest = await smallestCardText(page);
    await screenshot(page, 'canvas-01-fit-view');
    expect(smallest.px, `"${smallest.text}" at zoom ${smallest.zoom.toFixed(2)}`).toBeGreaterThanOrEqual(11);
    // Every step is on screen and none covers another.
    expect(await page.locator('.react-flow__node').count()).toBe(7);
    expect(overlappingPairs(await cardBoxes(page))).toEqual([]);
  });

  it('shows simulated figures without a card growing into another step', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Simulate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate this flow' });
    await dialog.getByLabel('How many', { exact: true }).fill('200');
    await dialog.getByRole('button', { name: 'Run simulation' }).click();
    await dialog.waitFor({ state: 'detached' });
    const mms = canvasNode(page, 'MMS step: Your cart MMS');
    await mms.getByRole('group', { name: 'Simulated counts' }).waitFor();
    for (const zoom of ['fit', 'in'] as const) {
      if (zoom === 'in') {
        // Full cards: the figures take the summary's place instead of adding to the card.
        await page.getByRole('button', { name: /zoom in/i }).click();
        await page.getByRole('button', { name: /zoom in/i }).click();
        await page.waitForTimeout(300);
      }
      expect(overlappingPairs(await cardBoxes(page)), `at ${zoom}`).toEqual([]);
      const text = await smallestCardText(page);
      expect(text.px, `"${text.text}" at zoom ${text.zoom.toFixed(2)}`).toBeGreaterThanOrEqual(zoom === 'fit' ? 11 : 8);
      await screenshot(page, `canvas-02-simulated-${zoom}`);
    }
    await page.getByRole('button', { name: /fit view/i }).click();
    await page.getByRole('button', { name: 'Clear from canvas' }).click();
    await mms.getByRole('group', { name: 'Simulated counts' }).waitFor({ state: 'detached' });
  });

  it('names every connection handle by its step and output', async () => {
    const { page } = browser;
    const mms = canvasNode(page, 'MMS step: Your cart MMS');
    await mms.getByRole('button', { name: "Connect 'Your cart MMS' fallback", exact: true }).waitFor();
    await mms.getByRole('button', { name: "Connect 'Your cart MMS' sent", exact: true }).waitFor();
    await mms.getByRole('button', { name: "Connect into 'Your cart MMS'", exact: true }).waitFor();
    const branch = canvasNode(page, 'Branch step: Purchased?');
    await branch.getByRole('button', { name: "Connect 'Purchased?' output 'Bought since entry'", exact: true }).waitFor();
    await branch.getByRole('button', { name: "Connect 'Purchased?' else", exact: true }).waitFor();
    // The trigger starts the flow: it has no input to name.
    expect(await canvasNode(page, 'Trigger step: Cart abandoned').getByRole('button', { name: /^Connect into/ }).count()).toBe(0);
  });

  it('adds a step by click or Enter below the selected one, wired from its free output, never on top of another', async () => {
    const { page } = browser;
    const wait = canvasNode(page, 'Wait step: Wait 1 hour');
    // The wait's only output is taken: the new step goes below it, unwired, clear of the branch.
    await wait.click();
    await page.getByRole('button', { name: 'Add SMS step' }).click();
    const sms = canvasNode(page, 'SMS step: SMS 2');
    await sms.waitFor();
    const exitDone = canvasNode(page, 'Exit step: Done');
    // From a step with a free output (the new SMS), by Enter on the palette: wired from it.
    await sms.click();
    await page.getByRole('button', { name: 'Add Exit step' }).focus();
    await page.keyboard.press('Enter');
    const exit = canvasNode(page, 'Exit step: Exit 3');
    await exit.waitFor();
    await expect.poll(() => page.getByRole('group', { name: 'Connection from SMS 2 (next) to Exit 3' }).count()).toBe(1);
    // Both boxes from one frame: the view may still be gliding to keep the new step in sight.
    const boxes = await cardBoxes(page);
    const [smsBox, exitBox] = [boxes.find((b) => b.name === 'SMS step: SMS 2'), boxes.find((b) => b.name === 'Exit step: Exit 3')];
    expect(exitBox!.y).toBeGreaterThan(smsBox!.y + smsBox!.height);
    expect(Math.abs(exitBox!.x + exitBox!.width / 2 - (smsBox!.x + smsBox!.width / 2))).toBeLessThan(2);

    // Three more with nothing selected: each lands in the middle of the view, none on another.
    await page.getByRole('application', { name: 'Flow canvas' }).click({ position: { x: 5, y: 5 } });
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Add Wait step' }).click();
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(12);
    await page.getByRole('button', { name: /fit view/i }).click();
    await page.waitForTimeout(400);
    expect(overlappingPairs(await cardBoxes(page))).toEqual([]);
    expect(await exitDone.count()).toBe(1);
    await screenshot(page, 'canvas-03-added-steps');
    // One undo takes back the step and its wire together.
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await exit.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('group', { name: /to Exit 3$/ }).count()).toBe(0);
    await sms.waitFor();
  });

  it('after undo back to the published state, the flow is not "edited"', async () => {
    const { page } = browser;
    // Undo the SMS too: the graph is the sample again. Publish it, edit, undo.
    await page.getByRole('button', { name: 'Undo' }).click();
    await canvasNode(page, 'SMS step: SMS 2').waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await publishThroughReview(page);
    const header = page.locator('.editor-topbar');
    await expect.poll(() => header.textContent()).not.toContain('edited');

    await canvasNode(page, 'Wait step: Wait 1 hour').click();
    await page.getByLabel('Amount', { exact: true }).fill('3');
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await expect.poll(() => header.textContent()).toContain('edited');

    await page.getByRole('application', { name: 'Flow canvas' }).click({ position: { x: 5, y: 5 } });
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => header.textContent()).not.toContain('edited');
    // So says the flows list, from the stored draft.
    await page.getByRole('link', { name: 'All flows', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: SAMPLE });
    await row.waitFor();
    expect(await row.textContent()).not.toContain('edited');
  });

  it('places a new MMS step by its real height: an MMS below a selected step, then a step below it, overlap nothing at full size', async () => {
    const { page } = browser;
    await page.goto(app.host.url);
    await page.getByRole('link', { name: SAMPLE }).click();
    await canvasNode(page, 'MMS step: Your cart MMS').waitFor();
    const before = await page.locator('.react-flow__node').count();
    // Added at the zoom the editor opens at, where cards are drawn compact (all the same height)...
    await canvasNode(page, 'Trigger step: Cart abandoned').click();
    await page.getByRole('button', { name: 'Add MMS step' }).click();
    const mms = canvasNode(page, /^MMS step: MMS \d+$/);
    await mms.waitFor();
    await mms.click();
    await page.getByRole('button', { name: 'Add SMS step' }).click();
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(before + 2);
    // ...and read at full size, where an MMS card is taller than the others.
    const zoom = (): Promise<number> => page.evaluate('new DOMMatrixReadOnly(getComputedStyle(document.querySelector(".react-flow__viewport")).transform).a');
    for (let click = 0; click < 10 && (await zoom()) < 1; click++) await page.getByRole('button', { name: /zoom in/i }).click();
    expect(await zoom()).toBeGreaterThanOrEqual(1);
    await page.waitForTimeout(400);
    const boxes = await cardBoxes(page);
    await screenshot(page, 'canvas-04-mms-placed');
    expect(overlappingPairs(boxes)).toEqual([]);
    const mmsBox = boxes.find((b) => /^MMS step: MMS \d+$/.test(b.name))!;
    const smsBox = boxes.find((b) => /^SMS step: SMS \d+$/.test(b.name))!;
    expect(smsBox.y).toBeGreaterThan(mmsBox.y + mmsBox.height);
  });
});
