import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv, ROOT } from './helpers';
import { applyBatch, insertRows, nextBatch, smallShop, stageRuns, ts, type Row, type Shop } from './staging-fixture';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCore, countCore, createCoreTables } from '../lib/warehouse/core-merge';
import { buildMart, martBuildStatement, martModels } from '../lib/mart/build';
import { orderByDependencies, type SqlModel } from '../lib/warehouse/sql-files';
import { openPipeline } from '../lib/pipeline';
import { lineageGraph, lineageText, listMartTables, modelLineage, queryMart } from '../lib/mart/query';
import { runPipeline } from '../lib/pipeline';
import { countSourceRows } from '../lib/source/load';
import { checkMartQuality, checkWarehouseQuality, QualityError } from '../lib/quality/checks';
import { TABLE_KEYS } from '../lib/lake/format';
import type { PipelineContext } from '../lib/core/context';
import type { Warehouse } from '../lib/warehouse/adapter';

const env = testEnv('models');
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

const stage = (batch: Shop, lineage: string, kind: 'full' | 'incremental', runId: string) =>
  stageRuns(db, batch, { lineage, kind, runId, projectRoot: ROOT });
const one = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params))[0];
const sum = (rows: Record<string, unknown>[], col: string) => rows.reduce((s, r) => s + Math.round(Number(r[col]) * 100), 0) / 100;

/**
 * One warehouse (this suite's database, the shared fixture) taken through a sequence of loads and mart builds:
 * a full run, nothing pending, an increment, a changed customer, a repeated run, two pending runs, another
 * lineage, then the mart on the result. Each test starts from the state the test before it left, so they run in
 * this order only (a describe block runs its tests one after another, in order).
 */
describe('a warehouse taken through a sequence of loads, each test starting where the one before it ended', () => {
  const shop = smallShop({ seed: 1, orders: 300 });
  const batch = nextBatch(shop, { newOrders: 25, statusUpdates: 6 });
  const afterBatch = applyBatch(shop, batch, TABLE_KEYS);

  test('a full run becomes the star schema: one row per order, item, product and customer', async () => {
    await stage(shop, 'lineage-a', 'full', 'run-1');
    const result = await buildCore(ctx);
    const counts = await countCore(db);
    assert.equal(counts.fct_orders, shop.orders.length);
    assert.equal(counts.fct_order_items, shop.order_items.length);
    assert.equal(counts.fct_payments, shop.payments.length);
    assert.equal(counts.fct_order_status_history, shop.order_status_history.length);
    assert.equal(counts.dim_product, shop.products.length);
    assert.equal(counts.dim_customer, shop.customers.length);
    assert.equal(counts.dim_customer_current, shop.customers.length);
    assert.ok(counts.dim_date >= 60, 'dim_date covers the 60 days of orders');
    assert.equal(result.detail?.mode, 'replace');
    assert.equal(result.rows, Object.values(shop).reduce((s, rows) => s + rows.length, 0));
    const quality = result.detail?.quality as { failed: number; passed: number };
    assert.equal(quality.failed, 0);
    assert.ok(quality.passed >= 20);
    const total = await one<{ total: string }>('SELECT SUM(total_amount) AS total FROM core.fct_orders');
    assert.equal(Number(total.total), sum(shop.orders, 'total_amount'));
    const runs = await db.query('SELECT table_name, run_id, lineage FROM core.loaded_runs');
    assert.equal(runs.length, 6);
    assert.equal((await one<{ n: string }>('SELECT COUNT(*) AS n FROM staging.pending_runs')).n, '0');
  });

  test('building core again with nothing pending changes nothing', async () => {
    const before = await countCore(db);
    const keysBefore = await db.query('SELECT customer_key, customer_id, valid_to FROM core.dim_customer ORDER BY customer_key');
    const result = await buildCore(ctx);
    assert.equal(result.rows, 0);
    assert.equal(result.detail?.mode, 'nothing pending');
    assert.deepEqual(await countCore(db), before);
    assert.deepEqual(await db.query('SELECT customer_key, customer_id, valid_to FROM core.dim_customer ORDER BY customer_key'), keysBefore);
  });

  test('an incremental batch adds exactly the new rows and applies status updates without duplicating orders', async () => {
    const updated = batch.orders.filter((o) => Number(o.order_id) <= shop.orders.length);
    assert.ok(updated.length > 0, 'the batch updates some existing orders');
    await stage(batch, 'lineage-a', 'incremental', 'run-2');
    const result = await buildCore(ctx);
    assert.equal(result.detail?.mode, 'merge');
    const counts = await countCore(db);
    assert.equal(counts.fct_orders, afterBatch.orders.length);
    assert.equal(counts.fct_order_items, afterBatch.order_items.length);
    assert.equal(counts.fct_order_status_history, afterBatch.order_status_history.length);
    const dup = await one<{ n: string }>('SELECT COUNT(*) - COUNT(DISTINCT order_id) AS n FROM core.fct_orders');
    assert.equal(dup.n, '0');
    for (const o of updated) {
      const row = await one<{ status: string }>('SELECT status FROM core.fct_orders WHERE order_id = $1', [o.order_id]);
      assert.equal(row.status, 'delivered');
    }
    const total = await one<{ total: string }>('SELECT SUM(total_amount) AS total FROM core.fct_orders');
    assert.equal(Number(total.total), sum(afterBatch.orders, 'total_amount'));
    assert.equal((await db.query('SELECT 1 FROM core.loaded_runs')).length, 6 + Object.values(batch).filter((r) => r.length > 0).length);
  });

  test('a changed customer keeps its history (SCD type 2) and orders point at the version valid when placed', async () => {
    const versions = await db.query<{ customer_key: string; region: string; is_current: boolean; valid_to: Date }>(
      'SELECT customer_key, region, is_current, valid_to FROM core.dim_customer WHERE customer_id = 1 ORDER BY valid_from');
    assert.equal(versions.length, 2);
    assert.deepEqual(versions.map((v) => [v.region, v.is_current]), [[shop.customers[0].region, false], ['Moved', true]]);
    const counts = await countCore(db);
    assert.equal(counts.dim_customer_current, shop.customers.length);
    // Orders of customer 1 before the move keep the old version's key; those after it get the new one.
    const mismatched = await one<{ n: string }>(
      `SELECT COUNT(*) AS n FROM core.fct_orders o JOIN core.dim_customer c ON c.customer_key = o.customer_key
       WHERE o.customer_id = 1 AND NOT (o.ordered_at >= c.valid_from AND o.ordered_at < c.valid_to)`);
    assert.equal(mismatched.n, '0');
    const keys = await db.query<{ customer_key: string }>('SELECT DISTINCT customer_key FROM core.fct_orders WHERE customer_id = 1');
    assert.ok(keys.length >= 1);
  });

  test('staging the same incremental run again changes no count', async () => {
    const before = await countCore(db);
    await stage(batch, 'lineage-a', 'incremental', 'run-2');
    await buildCore(ctx);
    assert.deepEqual(await countCore(db), before);
  });

  test('two pending runs holding versions of the same orders merge to the latest version of each, once', async () => {
    const before = await countCore(db);
    const picked = afterBatch.orders.slice(0, 5);
    const later = (row: Row, days: number) => ts(Date.parse(String(row.updated_at).replace(' ', 'T').replace('+00', 'Z')) + days * 86_400_000);
    const first = picked.map((o) => ({ ...o, status: 'shipped', updated_at: later(o, 30) }));
    const second = picked.slice(0, 3).map((o) => ({ ...o, status: 'refunded', total_amount: o.total_amount, updated_at: later(o, 31) }));
    // The same version twice (a run re-extracted after a retry): kept once.
    const repeated = [first[4]];
    await createCoreTables(db, ROOT);
    await db.exec('DELETE FROM staging.pending_runs');
    for (const t of ['customers', 'products', 'orders', 'order_items', 'payments', 'order_status_history']) await db.exec(`DELETE FROM staging.${t}`);
    await insertRows(db, 'staging.orders', [...first, ...second, ...repeated]);
    for (const [runId, n] of [['run-3', first.length], ['run-4', second.length + repeated.length]] as const) {
      await db.query('INSERT INTO staging.pending_runs (table_name, run_id, lineage, kind, record_count) VALUES ($1, $2, $3, $4, $5)', ['orders', runId, 'lineage-a', 'incremental', n]);
    }
    const result = await buildCore(ctx);
    assert.equal(result.detail?.mode, 'merge');
    assert.equal(result.rows, picked.length, 'one row per distinct staged key');
    assert.deepEqual(await countCore(db), before, 'no order added or doubled');
    const statuses = await db.query<{ order_id: string; status: string }>('SELECT order_id, status FROM core.fct_orders WHERE order_id = ANY($1::bigint[]) ORDER BY order_id', [picked.map((o) => o.order_id)]);
    assert.deepEqual(statuses.map((r) => r.status), ['refunded', 'refunded', 'refunded', 'shipped', 'shipped']);
  });

  const other = smallShop({ seed: 99, orders: 400, customers: 60, products: 15, days: 120 });

  test('a full run of another lineage replaces core entirely', async () => {
    await stage(other, 'lineage-b', 'full', 'run-9');
    const result = await buildCore(ctx);
    assert.equal(result.detail?.mode, 'replace');
    const counts = await countCore(db);
    assert.equal(counts.fct_orders, other.orders.length);
    assert.equal(counts.fct_order_items, other.order_items.length);
    assert.equal(counts.dim_customer, other.customers.length);
    assert.equal(counts.dim_product, other.products.length);
    const lineages = await db.query<{ lineage: string }>('SELECT DISTINCT lineage FROM core.loaded_runs');
    assert.deepEqual(lineages.map((l) => l.lineage), ['lineage-b']);
  });

  test('incremental runs of a lineage core does not hold are refused with a clear sentence', async () => {
    const before = await countCore(db);
    await stage(nextBatch(shop), 'lineage-z', 'incremental', 'run-z');
    await assert.rejects(buildCore(ctx), /only incremental runs of lineage lineage-z/);
    assert.deepEqual(await countCore(db), before);
    await db.exec('DELETE FROM staging.pending_runs');
  });

  const MART_TABLES = ['daily_sales', 'monthly_sales', 'category_month', 'top_products', 'customer_rfm', 'rfm_segments', 'cohort_retention', 'status_funnel', 'sales_by_region', 'orders', 'delivery_performance', 'customer_tiers'];
  const martCounts = async () => {
    const counts: Record<string, number> = {};
    for (const t of MART_TABLES) counts[t] = Number((await one<{ n: string }>(`SELECT COUNT(*) AS n FROM mart.${t}`)).n);
    return counts;
  };

  test('the mart is built in dependency order and every table has rows that add up to core', async () => {
    const result = await buildMart(ctx);
    const order = result.detail?.order as string[];
    assert.deepEqual([...order].sort(), [...MART_TABLES].sort());
    assert.ok(order.indexOf('daily_sales') < order.indexOf('monthly_sales'));
    assert.ok(order.indexOf('customer_rfm') < order.indexOf('rfm_segments'));
    assert.ok(order.indexOf('orders') < order.indexOf('delivery_performance'));
    const counts = await martCounts();
    for (const t of MART_TABLES) assert.ok(counts[t] > 0, `mart.${t} has rows`);
    assert.equal(result.rows, Object.values(counts).reduce((a, b) => a + b, 0));
    assert.equal((result.detail?.quality as { failed: number }).failed, 0);

    // Revenue, computed here from the fixture itself: orders that were neither cancelled nor refunded.
    const sales = other.orders.filter((o) => o.status !== 'cancelled' && o.status !== 'refunded');
    const daily = await one<{ revenue: string; orders: string; sales: string }>('SELECT SUM(revenue) AS revenue, SUM(orders) AS orders, SUM(sales_orders) AS sales FROM mart.daily_sales');
    assert.equal(Number(daily.revenue), sum(sales, 'total_amount'));
    assert.equal(Number(daily.orders), other.orders.length);
    assert.equal(Number(daily.sales), sales.length);
    const region = await one<{ revenue: string }>('SELECT SUM(revenue) AS revenue FROM mart.sales_by_region');
    assert.equal(Number(region.revenue), sum(sales, 'total_amount'));
    const aov = await db.query<{ average_order_value: string; revenue: string; sales_orders: number }>('SELECT average_order_value, revenue, sales_orders FROM mart.daily_sales WHERE sales_orders > 0');
    for (const d of aov) assert.ok(Math.abs(Number(d.average_order_value) - Number(d.revenue) / Number(d.sales_orders)) <= 0.0051, JSON.stringify(d));
    const funnel = await db.query<{ status: string; orders_reached: string; share_of_placed: string }>('SELECT status, orders_reached, share_of_placed FROM mart.status_funnel ORDER BY step');
    assert.equal(funnel[0].status, 'placed');
    assert.equal(Number(funnel[0].orders_reached), other.orders.length);
    assert.equal(Number(funnel[0].share_of_placed), 1);
    const cohort0 = await db.query<{ retention_rate: string }>('SELECT retention_rate FROM mart.cohort_retention WHERE month_number = 0');
    for (const c of cohort0) assert.equal(Number(c.retention_rate), 1);
    const segments = await one<{ share: string }>('SELECT SUM(customer_share) AS share FROM mart.rfm_segments');
    assert.ok(Math.abs(Number(segments.share) - 1) < 0.001);
    const margins = await one<{ bad: string }>('SELECT COUNT(*) AS bad FROM mart.category_month WHERE margin <> revenue - cost');
    assert.equal(margins.bad, '0');
    const published = await checkMartQuality(ctx);
    assert.ok(published.length >= 8);
    assert.deepEqual(published.filter((c) => c.status !== 'pass'), []);
  });

  test('rebuilding the mart on an unchanged core gives the same tables', async () => {
    const before = await martCounts();
    const sample = await db.query('SELECT * FROM mart.top_products ORDER BY revenue_rank, product_id');
    await buildMart(ctx);
    assert.deepEqual(await martCounts(), before);
    assert.deepEqual(await db.query('SELECT * FROM mart.top_products ORDER BY revenue_rank, product_id'), sample);
  });

  test('a mart model that fails leaves the published mart as it was', async () => {
    const before = await martCounts();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-mart-'));
    try {
      fs.cpSync(path.join(ROOT, 'sql'), path.join(root, 'sql'), { recursive: true });
      fs.writeFileSync(path.join(root, 'sql/mart/broken_model.sql'), '-- mart.broken_model: reads a column that does not exist.\nSELECT no_such_column FROM daily_sales\n');
      fs.writeFileSync(path.join(root, 'sql/mart/broken_model.yml'), 'description: Broken on purpose.\ngrain: none\ndepends_on: [mart.daily_sales]\ncolumns:\n  - { name: no_such_column, description: Missing. }\n');
      const broken = openPipeline({ config: { ...env.config, projectRoot: root } });
      try {
        await assert.rejects(buildMart(broken), (err: Error) => {
          assert.match(err.message, /mart\.broken_model failed to build \(sql\/mart\/broken_model\.sql\).*published mart is unchanged/s);
          return true;
        });
      } finally {
        await broken.close();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    assert.deepEqual(await martCounts(), before);
    assert.equal((await db.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'mart_build'`)).length, 0);
  });

  test('the mart lists its tables with grain, columns and rows, and answers read-only queries with bound values', async () => {
    const tables = await listMartTables(ctx);
    assert.deepEqual(tables.map((t) => t.table).sort(), MART_TABLES.map((t) => `mart.${t}`).sort());
    const daily = tables.find((t) => t.table === 'mart.daily_sales')!;
    assert.match(daily.grain, /one row per local day of the shop/);
    assert.match(daily.description, /Sales per day in the shop's time zone/);
    assert.ok(daily.columns.includes('average_order_value'));
    assert.equal(daily.file, 'sql/mart/daily_sales.sql');
    assert.ok(daily.rows > 0);
    // The bound value is a value: it matches what the same literal matches, and a quote in it matches nothing.
    const byQuery = async (segment: string) => Number((await queryMart<{ n: string }>(ctx, 'SELECT COUNT(*) AS n FROM mart.customer_rfm WHERE rfm_segment = $1', [segment]))[0].n);
    const [segments] = await db.query<{ segment: string; n: string }>('SELECT rfm_segment AS segment, COUNT(*) AS n FROM mart.customer_rfm GROUP BY rfm_segment ORDER BY COUNT(*) DESC LIMIT 1');
    assert.ok(Number(segments.n) > 0, 'the mart has RFM segments');
    assert.equal(await byQuery(segments.segment), Number(segments.n));
    assert.equal(await byQuery(`${segments.segment}' OR '1'='1`), 0);
    await assert.rejects(queryMart(ctx, 'DELETE FROM mart.daily_sales'), /read-only transaction/);
    assert.ok((await martCounts()).daily_sales > 0);
    const lineage = modelLineage(ROOT);
    assert.deepEqual(lineage.find((l) => l.model === 'mart.rfm_segments')?.reads, ['mart.customer_rfm']);
    assert.ok(lineage.find((l) => l.model === 'core.fct_orders')?.reads.includes('staging.orders'));
    assert.match(lineageText(lineage), /mart\.monthly_sales\s+←  mart\.daily_sales/);
  });

  test('a mart whose numbers do not add up to core is not published', async () => {
    const before = await martCounts();
    const revenueBefore = await one<{ revenue: string }>('SELECT SUM(revenue) AS revenue FROM mart.daily_sales');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-mart-'));
    try {
      fs.cpSync(path.join(ROOT, 'sql'), path.join(root, 'sql'), { recursive: true });
      // The classic mistake: summing the order total, cancelled and refunded orders included.
      const file = path.join(root, 'sql/mart/daily_sales.sql');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('SUM(revenue_amount) AS revenue', 'SUM(total_amount) AS revenue'));
      const wrong = openPipeline({ config: { ...env.config, projectRoot: root } });
      try {
        const err = await buildMart(wrong).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof QualityError, String(err));
        assert.deepEqual(err.checks.filter((c) => c.status === 'fail').map((c) => c.table), ['mart.daily_sales', 'mart.monthly_sales']);
        assert.match(err.fix ?? '', /--from mart/);
      } finally {
        await wrong.close();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    assert.deepEqual(await martCounts(), before);
    assert.deepEqual(await one('SELECT SUM(revenue) AS revenue FROM mart.daily_sales'), revenueBefore);
  });
});

test('model files are ordered by the tables their YAML says they read, and a circle or a missing model is refused', () => {
  const model = (name: string, reads: string[]): SqlModel => ({ name, file: `/x/${name}.sql`, sql: 'SELECT 1', header: '', reads });
  const ordered = orderByDependencies([model('c', ['mart.b']), model('b', ['mart.a']), model('a', ['core.x'])], 'mart');
  assert.deepEqual(ordered.map((m) => m.name), ['a', 'b', 'c']);
  assert.throws(() => orderByDependencies([model('a', ['mart.b']), model('b', ['mart.a'])], 'mart'), /in a circle: mart\.a → mart\.b → mart\.a/);
  assert.throws(() => orderByDependencies([model('a', ['mart.nope'])], 'mart'), /reads mart\.nope \(its depends_on\), but no file makes that table/);
});

test('a mart model reads other mart tables unqualified: the build statement is its SELECT as written', () => {
  const monthly = martModels(ROOT).find((m) => m.name === 'monthly_sales')!;
  assert.match(monthly.sql, /FROM daily_sales\b/);
  assert.deepEqual(monthly.reads, ['mart.daily_sales']);
  const statement = martBuildStatement(monthly);
  assert.ok(statement.endsWith(monthly.sql.trim().replace(/;\s*$/, '')), 'the SQL text is not rewritten');
  assert.match(statement, /^CREATE TABLE "mart_build"\."monthly_sales" AS\n/);
});

// The whole chain through the real steps: generated shop → MySQL → lake → COPY into staging → core → mart.
const STEPS_TO_MART = ['generate', 'source', 'lake', 'warehouse', 'mart'] as const;

async function warehouseEqualsSource(c: PipelineContext) {
  const source = await countSourceRows(c);
  const core = await countCore(await c.warehouse());
  assert.deepEqual(
    { customers: core.dim_customer_current, products: core.dim_product, orders: core.fct_orders, order_items: core.fct_order_items, payments: core.fct_payments, order_status_history: core.fct_order_status_history },
    { customers: source.customers, products: source.products, orders: source.orders, order_items: source.order_items, payments: source.payments, order_status_history: source.order_status_history });
  return core;
}

/** The YAML's descriptions reached the warehouse: pg_description holds a non-empty comment for each table and column. */
async function everyCoreAndMartTableAndColumnHasAComment(wh: Warehouse) {
  const tables = await wh.query<{ name: string; comment: string | null }>(
    `SELECT n.nspname || '.' || c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('core', 'mart') AND c.relkind = 'r' ORDER BY 1`);
  assert.ok(tables.length >= 7 + 9, `core and mart tables: ${tables.map((t) => t.name).join(', ')}`);
  assert.deepEqual(tables.filter((t) => !t.comment?.trim()).map((t) => t.name), [], 'tables without a comment');
  const columns = await wh.query<{ name: string; comment: string | null }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS name, col_description(c.oid, a.attnum) AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname IN ('core', 'mart') AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1`);
  assert.ok(columns.length > 150);
  assert.deepEqual(columns.filter((t) => !t.comment?.trim()).map((t) => t.name), [], 'columns without a comment');
  const [revenue] = await wh.query<{ comment: string }>(`SELECT col_description('mart.category_month'::regclass, a.attnum) AS comment FROM pg_attribute a WHERE a.attrelid = 'mart.category_month'::regclass AND a.attname = 'revenue'`);
  assert.match(revenue.comment, /^Line revenue/);
}

for (const profile of ['local', 'embedded'] as const) {
  test(`through the real pipeline (${profile} profile): the warehouse equals the source after a full load, a rerun, an append and a new seed`, async () => {
    const e2e = testEnv(`models_e2e_${profile}`, profile);
    const c = e2e.open();
    try {
      const options = { orders: 1500, seed: 3, locale: 'en' as const };
      await runPipeline(c, options, [...STEPS_TO_MART]);
      const first = await warehouseEqualsSource(c);
      const wh = await c.warehouse();
      await everyCoreAndMartTableAndColumnHasAComment(wh);
      assert.deepEqual(await wh.query('SELECT order_id FROM core.fct_orders GROUP BY order_id HAVING COUNT(*) > 1'), []);
      const mart = await listMartTables(c);
      assert.ok(mart.filter((t) => t.rows > 0).length >= 6);
      const [days] = await queryMart<{ n: string }>(c, 'SELECT COUNT(*) AS n FROM mart.daily_sales WHERE orders > $1', [0]);
      assert.ok(Number(days.n) > 0);
      await assert.rejects(queryMart(c, 'DELETE FROM mart.daily_sales'), /read-only/);

      // Again, with nothing new in the source: the lake has no new runs and no count moves.
      await runPipeline(c, options, ['lake', 'warehouse', 'mart']);
      assert.deepEqual(await warehouseEqualsSource(c), first);

      await runPipeline(c, { ...options, append: { days: 2 } }, [...STEPS_TO_MART]);
      const appended = await warehouseEqualsSource(c);
      assert.ok(appended.fct_orders > first.fct_orders);
      const quality = await checkWarehouseQuality(c);
      assert.deepEqual(quality.filter((q) => q.status !== 'pass').map((q) => `${q.table}: ${q.check}`), []);

      await runPipeline(c, { ...options, seed: 4, orders: 800 }, [...STEPS_TO_MART]);
      await warehouseEqualsSource(c);
      const lineages = await wh.query('SELECT DISTINCT lineage FROM core.loaded_runs');
      assert.equal(lineages.length, 1);
    } finally {
      await c.close();
      await e2e.cleanup();
    }
  });
}

test('the lineage drawing puts every table to the right of the tables it reads, from the source tables on', () => {
  const graph = lineageGraph(modelLineage(ROOT));
  assert.ok(graph.nodes.some((n) => n.table === 'source.orders' && n.depth === 0));
  assert.ok(graph.nodes.some((n) => n.table === 'lake.orders' && n.depth === 1));
  assert.ok(graph.nodes.some((n) => n.table === 'staging.orders' && n.depth === 2));
  for (const e of graph.edges) assert.ok(e.x < e.x2, `${e.from} → ${e.to}`);
  assert.equal(new Set(graph.nodes.map((n) => n.table)).size, graph.nodes.length);
});
