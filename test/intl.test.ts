/**
 * Issue 14, the original project's integrated dataset and dashboard: an international shop (countries, fees by zone
 * and weight, delivery times by destination), mart.orders for BI, months in the shop's time zone, and a dashboard
 * with a world map in the shop's currency. One 10,000-order en pipeline and one small ko pipeline, shared by
 * every assertion below.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { testEnv, ROOT } from './helpers';
import { runPipeline } from '../lib/pipeline';
import { SHOP_UTC_OFFSET_MINUTES } from '../lib/generate/calendar';
import { CATEGORIES } from '../lib/generate/catalog';
import { exportMartTables } from '../lib/mart/export';
import type { PipelineContext } from '../lib/core/context';

const en = testEnv('intl');
const ko = testEnv('intl_ko');
let enCtx: PipelineContext;
let koCtx: PipelineContext;
let browser: BrowserContext;
let profileDir: string;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  enCtx = en.open();
  await runPipeline(enCtx, { orders: 10_000, seed: 42, locale: 'en' });
  koCtx = ko.open();
  await runPipeline(koCtx, { orders: 2_000, seed: 42, locale: 'ko' });
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  await enCtx?.close();
  await koCtx?.close();
  await en.cleanup();
  await ko.cleanup();
});

const q = async <T extends Record<string, unknown>>(ctx: PipelineContext, sql: string) => (await ctx.warehouse()).query<T>(sql);

test('mart.orders has exactly one row per core.fct_orders row, with the columns the issue names', async () => {
  const [counts] = await q<{ mart: string; core: string; ids: string }>(enCtx,
    'SELECT (SELECT COUNT(*) FROM mart.orders) AS mart, (SELECT COUNT(*) FROM core.fct_orders) AS core, (SELECT COUNT(DISTINCT order_id) FROM mart.orders) AS ids');
  assert.equal(Number(counts.mart), 10_000);
  assert.equal(Number(counts.mart), Number(counts.core));
  assert.equal(Number(counts.ids), Number(counts.core), 'one row per order');
  const [missing] = await q<{ n: string }>(enCtx, 'SELECT COUNT(*) AS n FROM core.fct_orders f WHERE NOT EXISTS (SELECT 1 FROM mart.orders o WHERE o.order_id = f.order_id)');
  assert.equal(Number(missing.n), 0, 'every core order is in the mart');
  const columns = (await q<{ column_name: string }>(enCtx, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = 'orders'")).map((c) => c.column_name);
  for (const c of ['order_id', 'order_date', 'customer_id', 'customer_tier', 'country', 'region', 'city', 'item_count', 'main_category', 'items_amount',
    'discount_amount', 'shipping_fee', 'total_amount', 'status', 'shipped_at', 'delivered_at', 'delivery_days', 'delivery_hours', 'is_sale', 'revenue']) {
    assert.ok(columns.includes(c), `mart.orders has ${c}`);
  }
});

test('the shop ships to at least 8 countries, home heaviest, at many fees, and farther countries wait longer', async () => {
  const countries = await q<{ country: string; orders: string; avg_days: string | null }>(enCtx,
    'SELECT country, COUNT(*) AS orders, CAST(AVG(delivery_days) AS NUMERIC(6,2)) AS avg_days FROM mart.orders GROUP BY country ORDER BY COUNT(*) DESC');
  assert.ok(countries.length >= 8, `${countries.length} countries`);
  assert.equal(countries[0].country, 'US', 'the home market is the biggest');
  const days = countries.map((c) => Number(c.avg_days)).filter((d) => d > 0);
  assert.ok(Math.max(...days) - Math.min(...days) >= 1, `average delivery days differ by at least a day: ${days.join(', ')}`);
  const [fees] = await q<{ n: string }>(enCtx, 'SELECT COUNT(DISTINCT shipping_fee) AS n FROM mart.orders');
  assert.ok(Number(fees.n) >= 5, `${fees.n} distinct shipping fees`);
  const [late] = await q<{ late: string; delivered: string }>(enCtx, 'SELECT SUM(CASE WHEN is_on_time THEN 0 ELSE 1 END) AS late, COUNT(*) AS delivered FROM mart.orders WHERE delivered_at IS NOT NULL');
  const lateShare = Number(late.late) / Number(late.delivered);
  assert.ok(lateShare > 0.01 && lateShare < 0.2, `a tail of late deliveries, not most of them: ${lateShare}`);
});

test('loyalty tiers keep their history: one current tier per ordering customer, earlier tiers closed where a customer moved up', async () => {
  const [t] = await q<{ current: string; customers: string; moved: string; open_past: string }>(enCtx, `
    SELECT (SELECT COUNT(*) FROM mart.customer_tiers WHERE is_current) AS current,
           (SELECT COUNT(DISTINCT customer_id) FROM core.fct_orders) AS customers,
           (SELECT COUNT(*) FROM (SELECT customer_id FROM mart.customer_tiers GROUP BY customer_id HAVING COUNT(*) > 1) m) AS moved,
           (SELECT COUNT(*) FROM mart.customer_tiers WHERE NOT is_current AND valid_to > CAST('9000-01-01' AS DATE)) AS open_past`);
  assert.equal(Number(t.current), Number(t.customers));
  assert.ok(Number(t.moved) > 100, `${t.moved} customers moved up a tier`);
  assert.equal(Number(t.open_past), 0, 'a past tier ends when the next begins');
});

test('mart.delivery_performance covers every country the mart ships to', async () => {
  const [cover] = await q<{ missing: string; countries: string }>(enCtx,
    'SELECT (SELECT COUNT(DISTINCT country) FROM mart.orders WHERE country NOT IN (SELECT country FROM mart.delivery_performance)) AS missing, (SELECT COUNT(DISTINCT country) FROM mart.delivery_performance) AS countries');
  assert.equal(Number(cover.missing), 0);
  assert.ok(Number(cover.countries) >= 8);
  const [p90] = await q<{ bad: string }>(enCtx, 'SELECT COUNT(*) AS bad FROM mart.delivery_performance WHERE p90_delivery_days < avg_delivery_days - 1 OR on_time_share > 1');
  assert.equal(Number(p90.bad), 0, 'p90 sits at or above the mean; shares are shares');
});

test('data/out/orders.csv has a header and one line per order', () => {
  const lines = fs.readFileSync(path.join(en.dataDir, 'out', 'orders.csv'), 'utf8').trimEnd().split('\n');
  assert.match(lines[0], /^order_id,order_date,/);
  assert.ok(lines[0].includes('shipping_fee') && lines[0].includes('delivery_days') && lines[0].includes('customer_tier'));
  assert.equal(lines.length - 1, 10_000);
});

test('paging the export by order_id instead of OFFSET, and the paged SELECTs instead of COPY, write the very same CSVs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-export-'));
  try {
    // The pipeline's files came through COPY TO STDOUT (PostgreSQL); these through SELECT pages of 3,000 rows.
    const written = await exportMartTables(await enCtx.warehouse(), dir, 'mart', 3_000, { paged: true });
    for (const table of ['orders', 'customer_tiers', 'daily_sales']) {
      assert.ok(written.some((w) => w.table === table));
      assert.ok(fs.readFileSync(path.join(dir, `${table}.csv`)).equals(fs.readFileSync(path.join(en.dataDir, 'out', `${table}.csv`))), `${table}.csv is the same in small pages`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('months are the shop\'s local months: the last month of mart.monthly_sales is no stub', async () => {
  const months = await q<{ month_start: string; orders: string }>(enCtx, 'SELECT month_start, orders FROM mart.monthly_sales ORDER BY month_start');
  const counts = months.map((m) => Number(m.orders));
  const median = [...counts].sort((a, b) => a - b)[Math.floor(counts.length / 2)];
  assert.ok(counts[counts.length - 1] >= median / 5, `last month ${counts[counts.length - 1]} orders vs median ${median}`);
  assert.equal(months.length, 24, 'two years of history, no 25th month of a few hours');
});

test('the core merge names the same shop offsets as the generator\'s calendar', () => {
  const merge = fs.readFileSync(path.join(ROOT, 'sql', 'warehouse', 'core', 'merge', '04_fct_orders.sql'), 'utf8');
  assert.ok(merge.includes(`WHEN 'KRW' THEN INTERVAL '${SHOP_UTC_OFFSET_MINUTES.ko} minutes'`));
  assert.ok(merge.includes(`ELSE INTERVAL '${SHOP_UTC_OFFSET_MINUTES.en} minutes'`));
});

test('no Electronics product is named like food or clothing', async () => {
  const notElectronics = new Set(CATEGORIES.filter((c) => c.name === 'Grocery' || c.name === 'Fashion').flatMap((c) => c.nouns));
  const faker = /\b(Soap|Sausages|Cheese|Chicken|Bacon|Tuna|Pizza|Salad|Fish|Chips|Shirt|Shoes|Pants|Gloves|Hat|Towels|Cotton|Chair|Table)\b/;
  const products = await q<{ name: string }>(enCtx, "SELECT name FROM core.dim_product WHERE category = 'Electronics'");
  assert.ok(products.length > 10);
  for (const { name } of products) {
    assert.ok(![...notElectronics].some((n) => name.includes(n)) && !faker.test(name), `Electronics product named ${name}`);
  }
});

async function openDashboard(dataDir: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${path.join(dataDir, 'out', 'dashboard.html')}`);
  await page.waitForFunction(() => document.querySelectorAll('.view[data-drawn="true"]').length === document.querySelectorAll('.view').length, null, { timeout: 60_000 });
  return { page, problems, requests };
}

test('the dashboard has a world map and draws at least 8 views with marks in headless Chromium, offline; a country click filters', async () => {
  const { page, problems, requests } = await openDashboard(en.dataDir);
  try {
    const marks = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.view')].map((el) => [el.id, el.querySelectorAll('g.role-mark > *').length])));
    assert.ok(Object.values(marks).filter((n) => n > 0).length >= 8, JSON.stringify(marks));
    assert.ok(marks['view-map'] > 100, `the map draws the world's countries: ${marks['view-map']}`);
    assert.ok(marks['view-deliveries'] > 0 && marks['view-customers'] > 0 && marks['view-tiers'] > 0);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), [], 'nothing is fetched');
    assert.deepEqual(problems, []);
    const tiles = await page.$$eval('.kpi .label', (els) => els.map((e) => e.textContent));
    assert.ok(tiles.includes('Products bought'));
    // A real click on Germany (compact, so the middle of its bounds is on land): vega's scenegraph says where it is drawn.
    // (A string, not a function: tsx would wrap a named inner function in a helper the page does not have.)
    await page.$eval('#view-map', (el) => el.scrollIntoView({ block: 'center' }));
    const at = await page.evaluate<{ x: number; y: number }>(`(() => {
      // vega's SVG renderer keeps each element's scenegraph item in __data__: find Germany's path by its datum.
      const path = [...document.querySelectorAll('#view-map path')].find((el) => el.__data__ && el.__data__.datum && el.__data__.datum.country === 'DE');
      const r = path.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => /country\s+DE/.test(document.getElementById('filters')!.textContent ?? ''), null, { timeout: 10_000 });
    const filtered = await page.evaluate(() => (window as unknown as { orderheDashboard: { views: Record<string, { signal(n: string): unknown }> } }).orderheDashboard.views.customers.signal('country'));
    assert.equal(filtered, 'DE');
    const revenueTile = await page.$eval('.kpi[data-kpi="Revenue"] .note', (el) => el.textContent ?? '');
    assert.match(revenueTile, /DE/, 'the tiles sum the picked country');
    const [de] = await q<{ revenue: string }>(enCtx, "SELECT SUM(revenue) AS revenue FROM mart.orders WHERE country = 'DE'");
    const expected = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(Number(de.revenue));
    assert.equal(await page.$eval('.kpi[data-kpi="Revenue"] .value', (el) => el.textContent), expected);
  } finally {
    await page.close();
  }
});

test('a ko shop\'s dashboard shows ₩ in its tiles and on its axes', async () => {
  const { page, problems } = await openDashboard(ko.dataDir);
  try {
    const tiles = await page.$eval('#kpis', (el) => el.textContent ?? '');
    assert.match(tiles, /₩/);
    const axes = await page.evaluate(() => [...document.querySelectorAll('.view svg text')].map((t) => t.textContent).join(' '));
    assert.match(axes, /₩/);
    assert.doesNotMatch(axes, /\$\d/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
