import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { testEnv, ROOT } from './helpers';
import { runPipeline } from '../lib/pipeline';
import { writeDashboard } from '../lib/charts/dashboard';
import { listMartExportTables, exportCsvField } from '../lib/mart/export';
import type { PipelineContext } from '../lib/core/context';
import type { StepResult } from '../lib/core/steps';

const env = testEnv('dashboard');
const ARTEFACTS = path.join(ROOT, 'data', 'out', 'test-artefacts');
let ctx: PipelineContext;
let result: StepResult;
let html: string;
let browser: BrowserContext;
let profileDir: string;

// Headless Chromium from Debian, quiet and offline: no first-run, sync, component updates or background traffic.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const CHROMIUM = '/usr/bin/chromium';

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  ctx = env.open();
  // The check: the whole pipeline on 5,000 orders (a few seconds here), ending with the dashboard step.
  const reports = await runPipeline(ctx, { orders: 5000, seed: 42, locale: 'en' });
  result = reports.find((r) => r.step === 'dashboard')!;
  html = fs.readFileSync(path.join(env.dataDir, 'out', 'dashboard.html'), 'utf8');
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  await ctx?.close();
  await env.cleanup();
});

async function openDashboard(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${path.join(env.dataDir, 'out', 'dashboard.html')}`);
  await page.waitForFunction(() => document.querySelectorAll('.view[data-drawn="true"]').length === document.querySelectorAll('.view').length, null, { timeout: 30_000 });
  return { page, problems, requests };
}

/** Data marks drawn per view: children of vega's mark groups (axes and legends have other roles). */
const marksPerView = (page: Page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.view')].map((el) => [el.id, el.querySelectorAll('g.role-mark > *').length])));

test('the dashboard step writes one HTML file and a CSV of every mart table with all its rows', async () => {
  const tables = await listMartExportTables(await ctx.warehouse());
  assert.ok(tables.length >= 6, `mart has ${tables.length} tables`);
  for (const t of tables) {
    const file = path.join(env.dataDir, 'out', `${t.table}.csv`);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], t.columns.map((c) => c.name).join(','), `${t.table}.csv header`);
    assert.equal(lines.length - 1, t.rows, `${t.table}.csv rows`);
    assert.equal((result.detail!.csv as Record<string, number>)[t.table], t.rows);
  }
  const daily = fs.readFileSync(path.join(env.dataDir, 'out', 'daily_sales.csv'), 'utf8').split('\n')[1];
  assert.match(daily, /^\d{4}-\d{2}-\d{2},/, 'dates are calendar days');
});

test('CSV fields are quoted only when they must be, and NULL is empty', () => {
  assert.equal(exportCsvField('Home, Garden'), '"Home, Garden"');
  assert.equal(exportCsvField('say "hi"'), '"say ""hi"""');
  assert.equal(exportCsvField(null), '');
  assert.equal(exportCsvField('12.50'), '12.50');
  assert.equal(exportCsvField(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '2026-01-02T03:04:05.000Z');
});

test('the HTML references nothing on the network and forbids fetching', () => {
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.doesNotMatch(html, /<(script|img|iframe)[^>]+src=/i);
  assert.doesNotMatch(html, /<link[^>]+href=/i);
  assert.doesNotMatch(html, /@import|url\(\s*['"]?https?:/i);
  assert.ok(html.length < 3_000_000, `self-contained but not huge: ${html.length} bytes`);
});

test('in Chromium the page loads with no console errors, fetches nothing, and every view draws its marks', async () => {
  const { page, problems, requests } = await openDashboard();
  try {
    assert.deepEqual(problems, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), []);
    assert.equal(requests.length, 1, 'only the file itself');
    const marks = await marksPerView(page);
    assert.ok(Object.keys(marks).length >= 6, `views: ${JSON.stringify(marks)}`);
    for (const [view, n] of Object.entries(marks)) assert.ok(n > 0, `${view} drew ${n} marks`);
    assert.equal(await page.locator('.kpi').count(), 6);
    assert.match(await page.locator('[data-kpi="Revenue"] .value').innerText(), /^\$[\d,]+$/);
    fs.mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTEFACTS, 'dashboard.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

/** Pairs of axis labels whose boxes touch, per view: "$30,000$35,000" printed run together. */
const collidingAxisLabels = (page: Page) => page.evaluate(() => {
  const found: string[] = [];
  for (const view of document.querySelectorAll('.view')) {
    for (const axis of view.querySelectorAll('g.role-axis')) {
      const labels = [...axis.querySelectorAll('g.role-axis-label text')]
        .filter((t) => (t.textContent ?? '') !== '' && getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')
        .map((t) => ({ text: t.textContent!, r: t.getBoundingClientRect() }));
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i].r;
          const b = labels[j].r;
          if (a.left < b.right + 1 && b.left < a.right + 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) found.push(`${view.id}: "${labels[i].text}" touches "${labels[j].text}"`);
        }
      }
    }
  }
  return found;
});

test('at every common screen width no axis labels run together, the revenue chart fills its panel, and its subtitle says what the line and the light area are (screenshots in data/out/test-artefacts)', async () => {
  for (const width of [1024, 1280, 1440, 1920]) {
    const { page, problems } = await openDashboard();
    try {
      await page.setViewportSize({ width, height: 900 });
      // The page refits its views 100 ms after a resize.
      await page.waitForTimeout(400);
      await page.waitForFunction(() => Object.values((window as unknown as { orderheDashboard: { views: Record<string, { width(): number }> } }).orderheDashboard.views).length > 0);
      fs.mkdirSync(ARTEFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTEFACTS, `dashboard-${width}.png`), fullPage: true });
      assert.deepEqual(await collidingAxisLabels(page), [], `at ${width} px`);
      // The plot's right end against the panel's inner right edge: at most the chart's own padding apart.
      const gap = await page.evaluate(() => {
        const panel = document.getElementById('view-trend')!.getBoundingClientRect();
        const domains = [...document.querySelectorAll('#view-trend g.role-axis-domain')].map((d) => d.getBoundingClientRect().right);
        return { panelRight: panel.right, plotRight: Math.max(...domains) };
      });
      assert.ok(gap.panelRight - gap.plotRight < 40, `at ${width} px the revenue chart ends ${Math.round(gap.panelRight - gap.plotRight)} px before its panel's edge`);
      const horizontalScroll = await page.evaluate(() => [...document.querySelectorAll('.panel')].filter((p) => p.scrollWidth > p.clientWidth + 1).map((p) => p.querySelector('.view')!.id));
      assert.deepEqual(horizontalScroll, [], `at ${width} px no panel scrolls sideways`);
      const subtitle = await page.locator('#view-trend svg').evaluate((svg) => [...svg.querySelectorAll('text')].map((t) => t.textContent).join(' | '));
      assert.match(subtitle, /Light area: revenue of each day · dark line: its 7-day average/);
      // Picking a smaller category rescales top products to smaller sums, where the labels crowded most.
      for (const bar of [3, 6]) {
        await page.locator('#view-categories g.role-mark path').nth(bar).click();
        await page.waitForTimeout(300);
        assert.deepEqual(await collidingAxisLabels(page), [], `at ${width} px with category bar ${bar} picked`);
        if (width === 1280) await page.screenshot({ path: path.join(ARTEFACTS, `dashboard-${width}-category-${bar}.png`), fullPage: true });
        await page.locator('#view-categories g.role-mark path').nth(bar).click();
      }
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  }
});

test('dragging a date range recomputes the KPI tiles, and clicking a category filters top products', async () => {
  const { page, problems } = await openDashboard();
  try {
    const revenueBefore = await page.locator('[data-kpi="Revenue"] .value').innerText();
    const box = (await page.locator('#view-trend svg').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /Dates \d{4}-\d{2}-\d{2} to/.test(document.getElementById('filters')!.innerText));
    const revenueAfter = await page.locator('[data-kpi="Revenue"] .value').innerText();
    assert.notEqual(revenueAfter, revenueBefore, 'KPI follows the picked dates');
    assert.match(await page.locator('[data-kpi="Revenue"] .note').innerText(), /days picked/);

    const firstBar = page.locator('#view-categories g.role-mark path').first();
    const pickedColor = await firstBar.getAttribute('fill');
    await firstBar.click();
    await page.waitForFunction(() => /category \S/.test(document.getElementById('filters')!.innerText));
    // The products view re-renders on its next frame: wait until it shows one category's colour (or time out and fail).
    await page.waitForFunction((color) => [...document.querySelectorAll('#view-products g.role-mark path')].every((e) => e.getAttribute('fill') === color), pickedColor, { timeout: 10_000 });
    const productFills = await page.locator('#view-products g.role-mark path').evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
    assert.ok(productFills.length > 0, 'products still drawn');
    assert.deepEqual([...new Set(productFills)], [pickedColor], 'only products of the picked category remain');
    assert.deepEqual(problems, []);
    await page.screenshot({ path: path.join(ARTEFACTS, 'dashboard-filtered.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('the dashboard step writes catalog.html beside it: every mart table, its tests with their last result, and the lineage from the source', async () => {
  const file = path.join(env.dataDir, 'out', 'catalog.html');
  assert.equal(result.detail!.catalog, file);
  const catalog = fs.readFileSync(file, 'utf8');
  const mart = await listMartExportTables(await ctx.warehouse());
  for (const t of mart) assert.match(catalog, new RegExp(`<h2>[^<]*<span[^>]*></span>mart\\.${t.table}</h2>`), `catalog names mart.${t.table}`);
  assert.match(catalog, /<svg class="lineage"/);
  for (const node of ['source.orders', 'lake.orders', 'staging.orders', 'core.fct_orders', 'mart.daily_sales']) assert.match(catalog, new RegExp(`>${node.replace('.', '\\.')}</text>`), `lineage draws ${node}`);
  assert.match(catalog, /reconcile: revenue = core order revenue<\/td><td>[^<]*<\/td><td class="pass"/, 'a mart reconcile shows its last result');
  assert.match(catalog, /unique\(order_id\)<\/td><td><\/td><td class="pass"/, 'a core test shows its last result');
  assert.doesNotMatch(catalog, /class="fail"/);
  // Nothing loaded from anywhere: no src, no stylesheet link, no url(), no http(s) address at all.
  assert.match(catalog, /Content-Security-Policy" content="default-src 'none'/);
  assert.doesNotMatch(catalog, /<script/i);
  assert.doesNotMatch(catalog, /\ssrc=|<link[^>]+href=|@import|url\(/i);
  assert.doesNotMatch(catalog, /https?:\/\//i);

  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(`file://${file}`);
    assert.equal(await page.locator('section').count() >= 25, true);
    assert.deepEqual(requests, [`file://${file}`], 'only the file itself');
    await page.screenshot({ path: path.join(ARTEFACTS, 'catalog.png'), fullPage: false });
  } finally {
    await page.close();
  }
});

test('without a mart the dashboard step says which table is missing and how to build it', async () => {
  const other = testEnv('dashboard_empty');
  const c = other.open();
  try {
    await c.warehouse();
    await assert.rejects(writeDashboard(c), (err: Error & { fix?: string }) => /mart\.daily_sales/.test(err.message) && /--from mart/.test(err.fix ?? ''));
  } finally {
    await c.close();
    await other.cleanup();
  }
});
