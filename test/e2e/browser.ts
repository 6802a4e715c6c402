import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import type { FlowDetail, FlowSummary } from '../../src/shared/api/flows';
import { repoRoot, startApp, type RunningApp } from './harness';

export const screenshotDir = join(repoRoot, 'test-results', 'e2e');

export interface OpenBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A fresh headless Chromium, one page at a desktop size. Playwright gives every launch its own
 * throw-away profile, so no state leaks between runs.
 */
export async function openBrowser(executablePath: string): Promise<OpenBrowser> {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return {
    browser,
    context,
    page,
    async close() {
      await browser.close();
      if (errors.length > 0) console.warn(`Browser errors during the test:\n${errors.join('\n')}`);
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

type Rect = { x: number; y: number; width: number; height: number };
/** Whether two on-screen boxes share any area (touching edges do not count). */
export const boxesOverlap = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The canvas node with this accessible name, e.g. "MMS step: Your cart MMS". */
export const canvasNode = (page: Page, name: string | RegExp): Locator => page.getByRole('group', { name, exact: typeof name === 'string' });

/**
 * Drag from one step's output to another step's input. Handles are pointer targets without a
 * role (the inspector's "… goes to" selects are the accessible way to wire steps).
 */
export async function connect(page: Page, from: Locator, port: string, to: Locator): Promise<void> {
  const source = from.locator(`.react-flow__handle.source[data-handleid="${port}"]`);
  const target = to.locator('.react-flow__handle.target');
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (!a || !b) throw new Error(`cannot find the "${port}" output or the input to connect`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/**
 * Zoom in (the canvas's own button) until this card is drawn in full: at "fit view" a flow of a
 * few steps shows compact cards, the name alone.
 */
export async function zoomToFullCard(page: Page, node: Locator): Promise<void> {
  for (let i = 0; i < 8 && (await node.locator('.node-card').getAttribute('class'))?.includes('is-compact'); i++) {
    await page.getByRole('button', { name: 'Zoom In' }).click();
    await page.waitForTimeout(100);
  }
  await node.locator('.node-card:not(.is-compact):not(.is-overview)').waitFor();
}

/** Drop a palette step onto the canvas at a point relative to the canvas's top-left corner. */
export async function dropStep(page: Page, kindLabel: string, at: { x: number; y: number }): Promise<void> {
  await page
    .getByRole('button', { name: `Add ${kindLabel} step` })
    .dragTo(page.getByRole('application', { name: 'Flow canvas' }), { targetPosition: at });
}

export interface AppInBrowser {
  app: RunningApp;
  browser: OpenBrowser;
}

/**
 * One app (a fresh data dir with the samples, served on 127.0.0.1) and one Chromium for the
 * enclosing describe block: started in its beforeAll, closed in its afterAll. `onStart` gets them
 * once both are up (each file keeps them in its own variables); `afterStart` runs next, e.g. to
 * grant the page a permission.
 */
export function useAppInBrowser(onStart: (started: AppInBrowser) => void, afterStart?: (started: AppInBrowser) => Promise<void>): void {
  let started: Partial<AppInBrowser> = {};
  beforeAll(async () => {
    started.app = await startApp();
    started.browser = await openBrowser(inject('chromiumPath') as string);
    const both = started as AppInBrowser;
    onStart(both);
    await afterStart?.(both);
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.app?.close();
    started = {};
  });
}

/**
 * Publish from the editor: Publish opens the review of what would go live, and its confirmation
 * publishes. Resolves once the editor says the version is published.
 */
export async function publishThroughReview(page: Page, version = 1): Promise<void> {
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const review = page.getByRole('dialog', { name: /^Review before publishing/ });
  // Enabled once the review is ready (it counts contacts and runs a short dry-run for the cost).
  await review.getByRole('button', { name: `Publish version ${version}` }).click({ timeout: 30_000 });
  await page.getByText(`Published version ${version}.`).waitFor();
}

/** The saved flow of that name, read through the API as the app stores it. */
export async function flowNamed(app: RunningApp, name: string): Promise<FlowDetail> {
  const list = await app.postcard.dispatch('flows.list', {});
  const id = list.ok ? (list.value as FlowSummary[]).find((flow) => flow.name === name)?.id : undefined;
  const detail = await app.postcard.dispatch('flows.get', { id });
  if (!detail.ok) throw new Error(detail.error.message);
  return detail.value as FlowDetail;
}
