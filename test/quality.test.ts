import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv, ROOT } from './helpers';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBatch, insertRows, nextBatch, smallShop, stageRuns, type Shop } from './staging-fixture';
import { buildCore, countCore, createCoreTables } from '../lib/warehouse/core-merge';
import { buildMart } from '../lib/mart/build';
import { checkMartQuality, checkWarehouseQuality, moneyText, QualityError, type QualityCheck } from '../lib/quality/checks';
import { SOURCE_TABLES, TABLE_KEYS } from '../lib/lake/format';
import { type PipelineContext } from '../lib/core/context';
import { openPipeline } from '../lib/pipeline';
import type { Warehouse } from '../lib/warehouse/adapter';

const env = testEnv('quality');
let ctx: PipelineContext;
let db: Warehouse;

before(async () => {
  ctx = env.open();
  db = await ctx.warehouse();
});
after(async () => {
  await ctx.close();
  await env.cleanup();
});

const shop = smallShop({ seed: 5, orders: 150 });
const stage = (batch: Shop, kind: 'full' | 'incremental', runId: string) =>
  stageRuns(db, batch, { lineage: 'lineage-q', kind, runId, projectRoot: ROOT });

const cleaned = nextBatch(shop, { newOrders: 10 });
cleaned.orders[0] = { ...cleaned.orders[0], status: ' Delivered ' };

/**
 * The shared fixture: core holds exactly these runs of lineage-q (run-1: the clean full load of `shop`; run-5: the
 * `cleaned` batch), with a mart published on it. A test calls it first, so it runs alone as well as after any other
 * test: when core holds something else (a test merged a batch), the warehouse schemas are rebuilt from the start.
 */
async function coreHolding(runIds: readonly ('run-1' | 'run-5')[]) {
  await createCoreTables(db, ROOT);
  const held = (await db.query<{ run_id: string }>('SELECT DISTINCT run_id FROM core.loaded_runs ORDER BY run_id')).map((r) => r.run_id);
  const [mart] = await db.query<{ n: string }>("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mart'");
  if (held.join(',') === runIds.join(',') && Number(mart.n) > 0) return;
  for (const schema of ['mart', 'core', 'staging']) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await stage(shop, 'full', 'run-1');
  await buildCore(ctx);
  if (runIds.includes('run-5')) {
    await stage(cleaned, 'incremental', 'run-5');
    await buildCore(ctx);
  }
  await buildMart(ctx);
}

/** Runs buildCore expecting a QualityError; returns it. */
async function failedMerge(): Promise<QualityError> {
  const err = await buildCore(ctx).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof QualityError, `expected a QualityError, got ${String(err)}`);
  assert.match(err.message, /nothing was committed/);
  assert.ok(err.fix);
  return err;
}
/** Runs buildCore expecting a QualityError; returns its failed checks. */
const failedChecks = async (): Promise<QualityCheck[]> => (await failedMerge()).checks.filter((c) => c.status === 'fail');

test('money compares as exact text whatever the driver returned', () => {
  assert.equal(moneyText('12.5'), '12.50');
  assert.equal(moneyText('1234.567'), '1234.56');
  assert.equal(moneyText(null), '0.00');
  assert.equal(moneyText('-0.40'), '-0.40');
  assert.equal(moneyText(7), '7.00');
});

test('a clean load passes every check, and the report is rows a notebook can show as a table', async () => {
  await coreHolding(['run-1']);
  const checks = await checkWarehouseQuality(ctx);
  assert.ok(checks.length >= 20);
  for (const c of checks) {
    assert.deepEqual(Object.keys(c).sort(), ['actual', 'check', 'detail', 'expected', 'status', 'table']);
    assert.notEqual(c.status, 'fail', `${c.table}: ${c.check}`);
  }
});

test('a staged row the manifest did not announce stops the merge and leaves core as it was', async () => {
  await coreHolding(['run-1']);
  const before = await countCore(db);
  const batch = nextBatch(shop, { newOrders: 10 });
  await stage(batch, 'incremental', 'run-2');
  await insertRows(db, 'staging.orders', [{ ...batch.orders[0], order_id: 999_999 }]);
  const failed = await failedChecks();
  assert.deepEqual(failed.map((c) => [c.check, c.table, c.expected, c.actual]), [['manifest ↔ staging rows', 'staging.orders', batch.orders.length, batch.orders.length + 1]]);
  assert.deepEqual(await countCore(db), before);
  const pending = await db.query('SELECT run_id FROM staging.pending_runs');
  assert.ok(pending.length > 0, 'the pending runs stay pending');
});

const martRevenue = async () => (await db.query<{ revenue: string; days: string }>('SELECT SUM(revenue) AS revenue, COUNT(*) AS days FROM mart.daily_sales'))[0];

test('an order item whose order is missing fails the foreign-key check; core and the published mart stay as they were', async () => {
  await coreHolding(['run-1']);
  const before = await countCore(db);
  const martBefore = await martRevenue();
  const batch = nextBatch(shop, { newOrders: 10 });
  batch.order_items.push({ ...batch.order_items[0], order_item_id: 888_888, order_id: 777_777 });
  await stage(batch, 'incremental', 'run-3');
  const failed = await failedChecks();
  assert.deepEqual(failed.map((c) => [c.check, c.table, c.actual]), [['relationships(order_id → core.fct_orders.order_id)', 'core.fct_order_items', 1]]);
  assert.deepEqual(await countCore(db), before);
  // The pipeline stops at the failed merge, so the mart it published last is what readers still see.
  assert.deepEqual(await martRevenue(), martBefore);
});

test('an unknown order status fails the accepted-values check and names the value', async () => {
  await coreHolding(['run-1']);
  const before = await countCore(db);
  const batch = nextBatch(shop, { newOrders: 10 });
  batch.orders[0] = { ...batch.orders[0], status: 'lost' };
  await stage(batch, 'incremental', 'run-4');
  const err = await failedMerge();
  const failed = err.checks.filter((c) => c.status === 'fail');
  assert.deepEqual(failed.map((c) => [c.table, c.check]), [['core.fct_orders', 'accepted_values(status)']]);
  assert.match(failed[0].detail, /"lost" ×1/);
  assert.match(failed[0].detail, /registry orders\.status/);
  assert.match(err.message, /core\.fct_orders: accepted_values\(status\)/);
  assert.deepEqual(await countCore(db), before);
});

test('a duplicate key fails the unique test and names its model and test', async () => {
  await coreHolding(['run-1']);
  const before = await countCore(db);
  const batch = nextBatch(shop, { newOrders: 10 });
  // One extract holding the same payment twice: the merge inserts both, nothing but the key test notices.
  batch.payments.push({ ...batch.payments[0] });
  await stage(batch, 'incremental', 'run-dup');
  const err = await failedMerge();
  assert.deepEqual(err.checks.filter((c) => c.status === 'fail').map((c) => [c.table, c.check, c.actual]), [['core.fct_payments', 'unique(payment_id)', 1]]);
  assert.match(err.message, /core\.fct_payments: unique\(payment_id\)/);
  assert.deepEqual(await countCore(db), before);
});

test('a NULL reference fails the not_null test and names its model and test', async () => {
  await coreHolding(['run-1']);
  const before = await countCore(db);
  const batch = nextBatch(shop, { newOrders: 10 });
  // An order of a customer core has never seen: the merge finds no customer version, so customer_key is NULL.
  batch.orders[0] = { ...batch.orders[0], customer_id: 424_242 };
  await stage(batch, 'incremental', 'run-null');
  const err = await failedMerge();
  assert.deepEqual(err.checks.filter((c) => c.status === 'fail').map((c) => [c.table, c.check, c.actual]), [['core.fct_orders', 'not_null(customer_key)', 1]]);
  assert.match(err.message, /core\.fct_orders: not_null\(customer_key\)/);
  assert.deepEqual(await countCore(db), before);
});

test('stray whitespace and capitals in coded values are cleaned, not refused', async () => {
  await coreHolding(['run-1']);
  await stage(cleaned, 'incremental', 'run-5');
  await buildCore(ctx);
  const [row] = await db.query<{ status: string }>('SELECT status FROM core.fct_orders WHERE order_id = $1', [cleaned.orders[0].order_id]);
  assert.equal(row.status, 'delivered');
});

test('core and source are reconciled when the source holds the shop, and a difference fails', async () => {
  await coreHolding(['run-1', 'run-5']);
  const source = (await ctx.source()).pool;
  try {
    for (const file of fs.readdirSync(path.join(ROOT, 'sql/source')).sort()) {
      await source.query(fs.readFileSync(path.join(ROOT, 'sql/source', file), 'utf8'));
    }
    // The source holds what core holds: the full run plus the one batch that passed.
    const held = applyBatch(shop, cleaned, TABLE_KEYS);
    for (const t of SOURCE_TABLES) {
      for (const r of held[t]) {
        const row = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\+00$/, '') : v]));
        await source.query(`INSERT INTO ${t} SET ?`, [row]);
      }
    }
    const passing = (await checkWarehouseQuality(ctx)).filter((c) => c.check.startsWith('source ↔ core'));
    assert.equal(passing.length, 9);
    assert.deepEqual(passing.filter((c) => c.status !== 'pass'), []);

    await source.query('DELETE FROM payments WHERE payment_id = ?', [held.payments[0].payment_id]);
    const failing = (await checkWarehouseQuality(ctx)).filter((c) => c.status === 'fail');
    assert.deepEqual(failing.map((c) => [c.check, c.table]), [['source ↔ core rows', 'core.fct_payments'], ['source ↔ core sum(amount)', 'core.fct_payments']]);
  } finally {
    // The other tests reconcile with no source at all: leave the suite's source database empty again.
    const [tables] = (await source.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()')) as unknown as [{ t: string }[]];
    const conn = await source.getConnection();
    try {
      await conn.query('SET foreign_key_checks = 0');
      for (const { t } of tables) await conn.query(`DROP TABLE IF EXISTS \`${t}\``);
    } finally {
      conn.destroy();
    }
  }
});

test('a merge that loses rows is caught by the staging ↔ core reconciliation and rolled back', async () => {
  await coreHolding(['run-1']);
  const before = await countCore(db);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-quality-'));
  try {
    fs.cpSync(path.join(ROOT, 'sql'), path.join(root, 'sql'), { recursive: true });
    // A model bug of the kind that happens: a filter that silently drops the lines with a discount.
    const merge = path.join(root, 'sql/warehouse/core/merge/05_fct_order_items.sql');
    const original = fs.readFileSync(merge, 'utf8');
    const buggySql = original.replace('ON p.product_id = i.product_id;', 'ON p.product_id = i.product_id\nWHERE i.discount_amount = 0;');
    assert.notEqual(buggySql, original, 'the fault was injected');
    fs.writeFileSync(merge, buggySql);
    const batch = nextBatch(shop, { newOrders: 40 });
    assert.ok(batch.order_items.some((i) => Number(i.discount_amount) > 0), 'the batch has discounted lines');
    await stage(batch, 'incremental', 'run-6');
    const buggy = openPipeline({ config: { ...env.config, projectRoot: root } });
    try {
      const err = await buildCore(buggy).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof QualityError);
      // (The source of the previous test does not hold this batch either; only the staging checks matter here.)
      const failed = err.checks.filter((c) => c.status === 'fail' && c.check.startsWith('staging')).map((c) => `${c.table}: ${c.check}`);
      assert.deepEqual(failed, ['core.fct_order_items: staging ↔ core rows', 'core.fct_order_items: staging ↔ core sum(line_amount)']);
    } finally {
      await buggy.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  assert.deepEqual(await countCore(db), before);
});

test('an order revenue the mart loses fails the mart build, naming the mart model and its reconcile test; the published mart stays', async () => {
  await coreHolding(['run-1']);
  await buildMart(ctx);
  const martBefore = await martRevenue();
  // A sale dated one day after the last day of core.dim_date: daily_sales (one row per dim_date day) cannot hold it.
  const [order] = await db.query<{ order_id: string; order_date: string }>('SELECT order_id, CAST(order_date AS VARCHAR(10)) AS order_date FROM core.fct_orders WHERE is_sale ORDER BY order_id LIMIT 1');
  await db.query(`UPDATE core.fct_orders SET order_date = (SELECT MAX(date_key) FROM core.dim_date) + 1 WHERE order_id = $1`, [order.order_id]);
  try {
    const err = await buildMart(ctx).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof QualityError, `expected a QualityError, got ${String(err)}`);
    const failed = err.checks.filter((c) => c.status === 'fail').map((c) => `${c.table}: ${c.check}`);
    assert.deepEqual(failed, ['mart.daily_sales: reconcile: orders = core orders', 'mart.daily_sales: reconcile: revenue = core order revenue', 'mart.monthly_sales: reconcile: revenue = core order revenue']);
    assert.match(err.message, /mart\.daily_sales: reconcile: revenue = core order revenue: expected \d+\.\d\d, got \d+\.\d\d/);
    assert.deepEqual(await martRevenue(), martBefore);
  } finally {
    await db.query('UPDATE core.fct_orders SET order_date = $2 WHERE order_id = $1', [order.order_id, order.order_date]);
  }
});

test('a defect planted in one of several measures that share a scan fails that test alone, with its own numbers', async () => {
  await coreHolding(['run-1']);
  await buildMart(ctx);
  const [order] = await db.query<{ order_id: string }>('SELECT MIN(order_id) AS order_id FROM mart.orders');
  // mart.orders' four reconcile measures and its column tests are one scan, and the core side's shipping_amount
  // is summed twice in one scan of core.fct_orders (all orders here, sales orders for delivery_performance).
  await db.query('UPDATE mart.orders SET shipping_fee = shipping_fee + 1 WHERE order_id = $1', [order.order_id]);
  try {
    const checks = await checkMartQuality(ctx);
    const failed = checks.filter((c) => c.status === 'fail');
    assert.deepEqual(failed.map((c) => `${c.table}: ${c.check}`), ['mart.orders: reconcile: shipping fees = core shipping amounts']);
    const [sums] = await db.query<{ core: string; mart: string }>('SELECT (SELECT SUM(shipping_amount) FROM core.fct_orders) AS core, (SELECT SUM(shipping_fee) FROM mart.orders) AS mart');
    assert.deepEqual([failed[0].expected, failed[0].actual], [moneyText(sums.core), moneyText(sums.mart)]);
    const passed = (table: string) => checks.filter((c) => c.table === table && c.check.startsWith('reconcile:')).map((c) => c.status);
    assert.deepEqual(passed('mart.orders'), ['pass', 'pass', 'fail', 'pass'], 'the other measures of the same scan still pass');
    assert.deepEqual(passed('mart.delivery_performance'), ['pass', 'pass'], 'the filtered sum of the same core column still passes');
  } finally {
    await db.query('UPDATE mart.orders SET shipping_fee = shipping_fee - 1 WHERE order_id = $1', [order.order_id]);
  }
});

test('a broken reference in one of several relationships checked in one anti-join fails that test alone', async () => {
  await coreHolding(['run-1']);
  // Items, payments and status history all reference core.fct_orders.order_id: one anti-join counts all three.
  const [payment] = await db.query<{ payment_id: string; order_id: string }>('SELECT payment_id, order_id FROM core.fct_payments ORDER BY payment_id LIMIT 1');
  await db.query('UPDATE core.fct_payments SET order_id = 777777 WHERE payment_id = $1', [payment.payment_id]);
  try {
    const checks = await checkWarehouseQuality(ctx);
    assert.deepEqual(checks.filter((c) => c.status === 'fail').map((c) => [c.table, c.check, c.expected, c.actual, c.detail]),
      [['core.fct_payments', 'relationships(order_id → core.fct_orders.order_id)', 0, 1, 'rows whose reference is missing']]);
    const toOrders = checks.filter((c) => c.check === 'relationships(order_id → core.fct_orders.order_id)');
    assert.deepEqual(toOrders.map((c) => [c.table, c.status]), [['core.fct_order_items', 'pass'], ['core.fct_payments', 'fail'], ['core.fct_order_status_history', 'pass']]);
  } finally {
    await db.query('UPDATE core.fct_payments SET order_id = $2 WHERE payment_id = $1', [payment.payment_id, payment.order_id]);
  }
});
