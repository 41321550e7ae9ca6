/**
 * The models' YAML (sql/**\/NAME.yml) as a specification: what every file must declare, how many tests they
 * add up to, the one-sentence errors a broken file gives, and the descriptions reaching the warehouse.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv, ROOT } from './helpers';
import { smallShop, stageRuns } from './staging-fixture';
import { countDeclaredTests, loadDeclaredModels, orderByDependsOn } from '../lib/quality/declared-models';
import { sqlStringLiteral } from '../lib/quality/warehouse-docs';
import { buildCore } from '../lib/warehouse/core-merge';
import { buildMart } from '../lib/mart/build';
import { modelLineage } from '../lib/mart/query';
import { openPipeline } from '../lib/pipeline';
import { OrderHeError } from '../lib/core/errors';
import { ORDER_STATUSES } from '../lib/core/tables';
import type { PipelineContext } from '../lib/core/context';
import type { Warehouse } from '../lib/warehouse/adapter';

const models = loadDeclaredModels(ROOT);
const byName = (name: string) => models.find((m) => m.name === name)!;

test('every staging, core and mart SQL model has its YAML beside it, and every YAML its SQL', () => {
  const sqlModels = [
    ...fs.readdirSync(path.join(ROOT, 'sql/warehouse/staging')).filter((f) => f.endsWith('.sql') && f !== '00_schema.sql').map((f) => `staging.${f.replace(/\.sql$/, '')}`),
    ...fs.readdirSync(path.join(ROOT, 'sql/warehouse/core/merge')).filter((f) => f.endsWith('.sql')).map((f) => `core.${f.replace(/^\d+_|\.sql$/g, '')}`),
    ...fs.readdirSync(path.join(ROOT, 'sql/mart')).filter((f) => f.endsWith('.sql')).map((f) => `mart.${f.replace(/\.sql$/, '')}`),
  ];
  const declared = new Set(models.map((m) => m.name));
  assert.deepEqual(sqlModels.filter((m) => !declared.has(m)), []);
  for (const m of models) assert.ok(fs.existsSync(path.join(ROOT, m.sqlFile)), `${m.file} → ${m.sqlFile}`);
});

test('the YAML declares at least 40 data tests, and every mart table a grain test', () => {
  const total = countDeclaredTests(models);
  assert.ok(total >= 40, `${total} declared tests`);
  const kinds = new Set(models.flatMap((m) => m.tests.map((t) => t.kind)));
  for (const k of ['unique', 'not_null', 'relationships', 'accepted_values', 'unique_combination', 'reconcile', 'reconciliation']) assert.ok(kinds.has(k as never), `some model declares ${k}`);
  for (const m of models.filter((x) => x.layer === 'mart')) {
    const grain = m.tests.find((t) => t.kind === 'unique_combination');
    assert.ok(grain, `${m.file} declares a unique_combination grain test`);
  }
});

test('each reconciliation is declared on the model it guards', () => {
  const declaring = (name: string) => models.filter((m) => m.tests.some((t) => t.kind === 'reconciliation' && t.name === name)).map((m) => m.name).sort();
  assert.deepEqual(declaring('manifest_vs_staging'), ['staging.customers', 'staging.order_items', 'staging.order_status_history', 'staging.orders', 'staging.payments', 'staging.products']);
  assert.deepEqual(declaring('staging_vs_core'), declaring('source_vs_core'));
  assert.equal(declaring('staging_vs_core').length, 6);
  const martReconciles = models.filter((m) => m.layer === 'mart').flatMap((m) => m.tests.filter((t) => t.kind === 'reconcile').map((t) => `${m.table}: ${(t as { name: string }).name}`));
  assert.ok(martReconciles.length >= 8, martReconciles.join('\n'));
});

test('accepted values of codes carried from the source come from the table registry', () => {
  const status = byName('core.fct_orders').tests.find((t) => t.kind === 'accepted_values' && t.column === 'status');
  assert.deepEqual(status, { kind: 'accepted_values', column: 'status', values: [...ORDER_STATUSES], from: 'registry orders.status' });
});

test('every revenue column says which revenue it is: order revenue or line revenue', () => {
  const revenue = models.flatMap((m) => m.columns.filter((c) => /revenue|monetary/.test(c.name) && !/share|rank|growth|avg/.test(c.name)).map((c) => ({ model: m.name, ...c })));
  assert.ok(revenue.length >= 8);
  for (const c of revenue) assert.match(c.description, /\b(Order|Line) revenue\b/i, `${c.model}.${c.name}: ${c.description}`);
  assert.match(byName('mart.category_month').columns.find((c) => c.name === 'revenue')!.description, /^Line revenue/);
  assert.match(byName('mart.daily_sales').columns.find((c) => c.name === 'revenue')!.description, /^Order revenue/);
});

/** A copy of sql/ to break, and the error loading it gives. */
function loadBroken(edit: (root: string) => void): OrderHeError {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-yaml-'));
  try {
    fs.cpSync(path.join(ROOT, 'sql'), path.join(root, 'sql'), { recursive: true });
    edit(root);
    const err = (() => { try { loadDeclaredModels(root); modelLineage(root); return null; } catch (e) { return e; } })();
    assert.ok(err instanceof OrderHeError, `expected an OrderHeError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one sentence: ${err.message}`);
    assert.match(err.message, /\.$/);
    assert.ok(err.fix, 'says what to do');
    return err;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
const rewrite = (root: string, file: string, from: string | RegExp, to: string) => {
  const full = path.join(root, file);
  const text = fs.readFileSync(full, 'utf8');
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `the fault was planted in ${file}`);
  fs.writeFileSync(full, changed);
};

test('a broken YAML file is one sentence naming the file and the key', () => {
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/daily_sales.yml', 'grain: one row', 'grain: [one row')).message,
    /^sql\/mart\/daily_sales\.yml is not valid YAML: .* at line \d+, column \d+\.$/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/daily_sales.yml', 'data_tests: [not_null]', 'data_tests: [not_nul]')).message,
    /^sql\/mart\/daily_sales\.yml: columns\[0\]\.data_tests\[0\] must be unique, not_null, relationships or accepted_values, not "not_nul"\.$/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/warehouse/core/04_fct_orders.yml', 'registry: orders.status', 'registry: orders.state')).message,
    /^sql\/warehouse\/core\/04_fct_orders\.yml: columns\[5\]\.data_tests\[1\]\.accepted_values\.registry is "orders\.state", but the table registry/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/warehouse/core/04_fct_orders.yml', 'to: core.dim_customer,', 'to: core.dim_client,')).message,
    /^sql\/warehouse\/core\/04_fct_orders\.yml: data_tests \(relationships #\d+\)\.to names the model core\.dim_client, which no sql\/\*\*\/\*\.yml declares\.$/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/category_month.yml', 'unique_combination: [month_start, category]', 'unique_combination: [month_start, categroy]')).message,
    /category_month\.yml: .*names the column categroy, which sql\/mart\/category_month\.yml does not declare\.$/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/daily_sales.yml', /\n {2}- name: day_name\n {4}description: Sun \.\. Sat\./, '\n  - name: day_name')).message,
    /^sql\/mart\/daily_sales\.yml: columns\[1\]\.description \(day_name\) must be a non-empty text\.$/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/daily_sales.yml', 'description: Sun .. Sat.', 'description: Sun \\ Sat.')).message,
    /columns\[1\]\.description \(day_name\) holds a backslash/);
});

test('a depends_on naming no model, a circle, and a mart SQL file without YAML are each one clear sentence', () => {
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/monthly_sales.yml', 'depends_on: [mart.daily_sales]', 'depends_on: [mart.daily_sale]')).message,
    /^sql\/mart\/monthly_sales\.yml: depends_on\[0\] names mart\.daily_sale, which no sql\/\*\*\/\*\.yml declares/);
  assert.match(loadBroken((r) => rewrite(r, 'sql/mart/daily_sales.yml', 'depends_on: [core.dim_date,', 'depends_on: [mart.monthly_sales, core.dim_date,')).message,
    /^The models depend on each other in a circle: mart\.daily_sales → mart\.monthly_sales → mart\.daily_sales\.$/);
  assert.match(loadBroken((r) => fs.writeFileSync(path.join(r, 'sql/mart/weekly_sales.sql'), 'SELECT 1 AS x\n')).message,
    /^weekly_sales\.sql makes mart\.weekly_sales, but no YAML file declares that model/);
});

test('models are ordered by depends_on, ties keeping their order', () => {
  const m = (name: string, dependsOn: string[]) => ({ name, dependsOn, file: `${name}.yml` });
  assert.deepEqual(orderByDependsOn([m('mart.c', ['mart.b']), m('mart.a', []), m('mart.b', ['mart.a', 'core.x'])]).map((x) => x.name), ['mart.a', 'mart.b', 'mart.c']);
});

test('descriptions become SQL string literals with their quotes doubled', () => {
  assert.equal(sqlStringLiteral("The order's id"), "'The order''s id'");
  assert.equal(sqlStringLiteral("''; DROP TABLE x; --"), "'''''; DROP TABLE x; --'");
  assert.throws(() => sqlStringLiteral('a\\b'), /backslash/);
});

// Against a real warehouse: the descriptions reach it, and a YAML that disagrees with its table stops the build.
const env = testEnv('declared');
let ctx: PipelineContext;
let db: Warehouse;
before(async () => {
  ctx = env.open();
  db = await ctx.warehouse();
  await stageRuns(db, smallShop({ seed: 11, orders: 80 }), { lineage: 'lineage-d', kind: 'full', runId: 'run-1', projectRoot: ROOT });
  await buildCore(ctx);
  await buildMart(ctx);
});
after(async () => {
  await ctx.close();
  await env.cleanup();
});

const commentOf = async (table: string, column?: string) => (await db.query<{ c: string | null }>(column
  ? `SELECT col_description(CAST($1 AS regclass), a.attnum) AS c FROM pg_attribute a WHERE a.attrelid = CAST($1 AS regclass) AND a.attname = $2`
  : `SELECT obj_description(CAST($1 AS regclass), 'pg_class') AS c`, column ? [table, column] : [table]))[0].c;

test('the YAML descriptions are the warehouse comments, quotes intact', async () => {
  assert.equal(await commentOf('core.fct_orders', 'order_id'), "The order's id in the shop.");
  assert.match((await commentOf('core.fct_orders'))!, /^Orders with their current status .* Grain: one row per order \(order_id\)\.$/);
  assert.match((await commentOf('mart.daily_sales', 'revenue'))!, /^Order revenue/);
  assert.match((await commentOf('staging.orders', 'total_amount'))!, /What the customer pays/);
  const stored = await db.query<{ stage: string; n: string }>('SELECT stage, COUNT(*) AS n FROM core.test_results GROUP BY stage ORDER BY stage');
  assert.deepEqual(stored.map((s) => s.stage), ['core merge', 'mart build']);
});

async function buildMartWith(edit: (root: string) => void): Promise<unknown> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-yaml-'));
  try {
    fs.cpSync(path.join(ROOT, 'sql'), path.join(root, 'sql'), { recursive: true });
    edit(root);
    const c = openPipeline({ config: { ...env.config, projectRoot: root } });
    try {
      return await buildMart(c).then(() => null, (e: unknown) => e);
    } finally {
      await c.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('a YAML column the table lacks, or a table column the YAML does not describe, stops the mart build', async () => {
  const before = await commentOf('mart.daily_sales', 'day_name');
  const extra = await buildMartWith((r) => rewrite(r, 'sql/mart/daily_sales.yml', '  - name: day_name\n', '  - name: day_label\n    description: Not in the table.\n  - name: day_name\n'));
  assert.ok(extra instanceof OrderHeError);
  assert.equal(extra.message, 'sql/mart/daily_sales.yml describes column day_label of mart.daily_sales, which the table does not have.');
  const missing = await buildMartWith((r) => rewrite(r, 'sql/mart/daily_sales.yml', /\n {2}- name: day_name\n {4}description: Sun \.\. Sat\./, ''));
  assert.ok(missing instanceof OrderHeError);
  assert.equal(missing.message, 'mart.daily_sales has column day_name, which sql/mart/daily_sales.yml does not describe.');
  // Both rolled back: the published mart and its comments are as they were.
  assert.equal(await commentOf('mart.daily_sales', 'day_name'), before);
  assert.equal((await db.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'mart_build'`)).length, 0);
});
