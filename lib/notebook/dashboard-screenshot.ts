/**
 * The dashboard file, used the way a reader uses it: opened in headless Chromium, a date range dragged on the trend,
 * a category clicked, and a screenshot of each state shown in the notebook. The views filter each other only in the
 * page (vega signals set by its script), so this is how a notebook can show that wiring working.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrderHeError } from '../core/errors';
import { displayBundle } from './display';

export interface DashboardInteraction {
  /** What the page's filter line says after each step, e.g. "Dates 2024-09-12 to 2025-03-01 · category Electronics". */
  filters: string[];
  /** The Revenue tile before and after the date range. */
  revenue: { before: string; afterBrush: string };
  /** One PNG per state: as opened, after the brush, after the click. */
  screenshots: { label: string; png: Buffer }[];
}

/** Where Chromium is: CHROMIUM_PATH, or Debian's /usr/bin/chromium. */
export function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[]) if (fs.existsSync(p)) return p;
  return null;
}

/**
 * Opens `dashboardFile` in headless Chromium, drags the trend from `brush[0]` to `brush[1]` of its width, clicks the
 * first category bar, and returns what the page showed at each step.
 */
export async function driveDashboard(dashboardFile: string, options: { brush?: [number, number]; width?: number } = {}): Promise<DashboardInteraction> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new OrderHeError('Chromium is not installed, so the dashboard cannot be opened headlessly here.', 'apt-get install chromium (or set CHROMIUM_PATH), or open the dashboard file in your own browser.');
  let playwright: typeof import('playwright-core');
  try {
    playwright = require('playwright-core') as typeof import('playwright-core');
  } catch {
    throw new OrderHeError('playwright-core is not installed.', 'npm ci in the repository (it is one of its dev dependencies).');
  }
  const [from, to] = options.brush ?? [0.35, 0.6];
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-dashboard-'));
  const browser = await playwright.chromium.launchPersistentContext(profile, {
    executablePath, headless: true, viewport: { width: options.width ?? 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${path.resolve(dashboardFile)}`);
    await page.waitForFunction(() => document.querySelectorAll('.view[data-drawn="true"]').length === document.querySelectorAll('.view').length, null, { timeout: 30_000 });
    const shot = async (label: string) => ({ label, png: await page.screenshot({ clip: { x: 0, y: 0, width: options.width ?? 1280, height: 900 } }) });
    const filtersText = () => page.locator('#filters').innerText();
    const revenueTile = () => page.locator('[data-kpi="Revenue"] .value').innerText();
    const screenshots = [await shot('as opened')];
    const before = await revenueTile();
    await page.locator('#view-trend').scrollIntoViewIfNeeded();
    const box = (await page.locator('#view-trend svg').boundingBox())!;
    await page.mouse.move(box.x + box.width * from, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * to, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /Dates \d{4}-\d{2}-\d{2} to/.test(document.getElementById('filters')!.innerText));
    const filters = [await filtersText()];
    const afterBrush = await revenueTile();
    screenshots.push(await shot('after dragging a date range on the trend'));
    await page.locator('#view-categories g.role-mark path').first().click();
    await page.waitForFunction(() => /category \S/.test(document.getElementById('filters')!.innerText));
    await page.waitForTimeout(300);   // the products view re-renders on its next frame
    filters.push(await filtersText());
    await page.locator('#view-categories').scrollIntoViewIfNeeded();
    screenshots.push({ label: 'after clicking a category', png: await page.screenshot({ fullPage: false }) });
    return { filters, revenue: { before, afterBrush }, screenshots };
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Shows a PNG in the notebook (with a text line where images are not shown); returns false outside a notebook. */
export function showPng(png: Buffer, caption: string): boolean {
  return displayBundle({ 'image/png': png.toString('base64'), 'text/plain': caption });
}
