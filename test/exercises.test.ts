/**
 * Every exercise's check, tested like code: the mistakes a learner makes must fail it, with a difference that says
 * what is wrong, and a correct answer written differently from the notebook's solution must pass it. The checks run
 * here directly in Node against one small shop (source, lake, warehouse, mart); one test executes a notebook cell
 * with a wrong answer to show what the kernel prints: ✗, the difference and a hint, and no stack trace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { testEnv, ROOT } from './helpers';
import { runPipeline } from '../lib/pipeline';
import type { PipelineContext } from '../lib/core/context';
import { readGeneratedRows } from '../lib/generate/files';
import { listRuns, listLakeObjects, readExtractState, readManifest, latestRun, readRunRecord } from '../lib/lake/read';
import { exportMartTables } from '../lib/mart/export';
import * as ex from '../lib/notebook/exercises';
import { CheckpointFailed } from '../lib/notebook/checkpoints';
import * as A from './exercise-fixtures/answers';

const env = testEnv('exercises');
let ctx: PipelineContext;
const rows: Record<string, Record<string, unknown>[]> = {};

before(async () => {
  ctx = env.open();
  await runPipeline(ctx, { orders: 800, seed: 42, locale: 'en' }, ['generate', 'source', 'lake', 'warehouse', 'mart']);
  for (const t of ['orders', 'order_items', 'products'] as const) rows[t] = await readGeneratedRows(env.dataDir, t, 1_000_000);
});
after(async () => {
  await ctx?.close();
  await env.cleanup();
});

type Result = ex.ExerciseResult;
/** Each wrong answer fails with at least one difference; each right one passes. */
async function expectVerdicts(id: string, wrong: Record<string, () => Promise<Result> | Result>, right: Record<string, () => Promise<Result> | Result>) {
  assert.ok(Object.keys(wrong).length >= 2, `${id} keeps at least two wrong answers`);
  assert.ok(Object.keys(right).length >= 1, `${id} keeps a differently written right answer`);
  for (const [name, run] of Object.entries(wrong)) {
    const r = await run();
    assert.equal(r.id, id);
    assert.equal(r.ok, false, `${id}: the wrong answer "${name}" passed the check: ${r.summary}`);
    assert.ok(r.differences.length > 0, `${id}: "${name}" fails with a difference to show`);
    if (process.env.SHOW_EXERCISE_DIFFS) console.log(`${id} wrong "${name}":\n  ${r.summary}\n  ${r.differences.join('\n  ')}`);
  }
  for (const [name, run] of Object.entries(right)) {
    const r = await run();
    assert.equal(r.ok, true, `${id}: the right answer "${name}" failed: ${r.summary}\n${r.differences.join('\n')}`);
  }
}
const each = <F, R>(answers: Record<string, F>, run: (a: F) => R) => Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, () => run(a)]));

test('01.1 revenue by category: a reversed order or an undiscounted revenue fails; a reduce with unrounded floats passes', async () => {
  const { order_items: items, products } = rows;
  await expectVerdicts('01.1', each(A.ex01_1.wrong, (f) => ex.checkCategoryRevenue(f(items, products), items, products)), each(A.ex01_1.right, (f) => ex.checkCategoryRevenue(f(items, products), items, products)));
  assert.equal(ex.checkCategoryRevenue([], items, products).ok, false, 'no answer fails');
});

test('01.2 the category bar spec: months with colour, a nominal measure or a bare money axis fail; a horizontal summed spec passes', async () => {
  const { order_items: items, products } = rows;
  const answer = ex.categoryRevenueTruth(items, products);
  await expectVerdicts('01.2', each(A.ex01_2.wrong, (f) => ex.checkCategoryChart(f(answer), items, products)), each(A.ex01_2.right, (f) => ex.checkCategoryChart(f(answer), items, products)));
});

test('02.1 customers who never ordered: an inner join, cancelled orders taken as none, or the buyers fail; a LEFT JOIN passes', async () => {
  const { pool } = await ctx.source();
  await expectVerdicts('02.1', each(A.ex02_1.wrong, (sql) => ex.checkNeverOrdered(pool, sql)), each(A.ex02_1.right, (sql) => ex.checkNeverOrdered(pool, sql)));
});

test('02.2 status against history: the first row or MAX(changed_at) without the tie-break fails; a window function passes; nothing is left changed', async () => {
  const { pool } = await ctx.source();
  const [before] = await pool.query('CHECKSUM TABLE orders, order_status_history');
  await expectVerdicts('02.2', each(A.ex02_2.wrong, (sql) => ex.checkStatusMatchesHistory(pool, sql)), each(A.ex02_2.right, (sql) => ex.checkStatusMatchesHistory(pool, sql)));
  const [afterSums] = await pool.query('CHECKSUM TABLE orders, order_status_history');
  assert.deepEqual(afterSums, before, 'the planted rows were rolled back');
});

test('03.1 orders touched by the quarantine: one order per line or the inverse fails; a Map lookup per distinct id passes', async () => {
  const lines = rows.order_items.slice(0, 40).filter((_, i) => i % 3 === 0);
  const sample = { quarantinedLines: lines, orders: rows.orders };
  await expectVerdicts('03.1', each(A.ex03_1.wrong, (f) => ex.checkTouchedOrders(f, sample)), each(A.ex03_1.right, (f) => ex.checkTouchedOrders(f, sample)));
});

test('03.2 orders re-pointed: dropping the duplicates\' orders or losing the others\' customer fails; a loop passes', async () => {
  const ids = [...new Set(rows.orders.map((o) => Number(o.customer_id)))].slice(0, 30);
  const replacedBy = new Map(ids.slice(10).map((id, i) => [id, ids[i % 10]]));
  const sample = { orders: rows.orders, replacedBy };
  await expectVerdicts('03.2', each(A.ex03_2.wrong, (f) => ex.checkRepointOrders(f, sample)), each(A.ex03_2.right, (f) => ex.checkRepointOrders(f, sample)));
});

test('04.1 the watermark predicate: updated_at alone, >= or both parts larger fails on the planted millisecond; the spelled-out pair passes', async () => {
  const { pool } = await ctx.source();
  const state = await readExtractState(await ctx.lake());
  const from = state!.tables.orders!.watermark!;
  await expectVerdicts('04.1', each(A.ex04_1.wrong, (p) => ex.checkWatermarkPredicate(pool, from, p)), each(A.ex04_1.right, (p) => ex.checkWatermarkPredicate(pool, from, p)));
  const r = await ex.checkWatermarkPredicate(pool, from, 'updated_at > :updatedAt');
  assert.match(r.differences.join('\n'), /watermark's millisecond/, 'the difference names the lost row');
});

test('04.2 the runs that make up the lake: no lineage filter or no restart at a full run fails; slicing from the last full run passes', async () => {
  const lake = await ctx.lake();
  const lineage = (await readExtractState(lake))!.lineage;
  await expectVerdicts('04.2', each(A.ex04_2.wrong, (f) => ex.checkCurrentRuns(f, lake, lineage)), each(A.ex04_2.right, (f) => ex.checkCurrentRuns(f, lake, lineage)));
});

test('05.1 a hand-written Redshift COPY: a wrong region, a part, the orders manifest or a lost backslash fails; unquoted lower-case options in another order pass', async () => {
  const lake = await ctx.lake();
  const run = (await latestRun(lake, 'customers'))!;
  const want: A.CopyWant = {
    table: 'staging.customers', columns: (await readRunRecord(lake, run)).columns.map((c) => c.name), bucket: lake.bucket,
    manifestKey: run.manifestKey, iamRole: 'arn:aws:iam::123456789012:role/orderhe-redshift-copy', region: 'eu-central-1',
  };
  await expectVerdicts('05.1', each(A.ex05_1.wrong, (f) => ex.checkRedshiftCopy(f(want), want)), each(A.ex05_1.right, (f) => ex.checkRedshiftCopy(f(want), want)));
});

test('05.2 a manifest check: existence only or sizes only misses planted faults; counting urls first passes and finds none in the real manifests', async () => {
  const lake = await ctx.lake();
  const real: { manifest: Awaited<ReturnType<typeof readManifest>>; objects: { url: string; bytes: number }[] }[] = [];
  for (const run of (await listRuns(lake)).slice(0, 4)) {
    const objects = (await listLakeObjects(lake, run.prefix)).map((o) => ({ url: `s3://${lake.bucket}/${o.key}`, bytes: o.bytes }));
    real.push({ manifest: await readManifest(lake, run), objects });
  }
  await expectVerdicts('05.2', each(A.ex05_2.wrong, (f) => ex.checkManifestProblems(f, real, lake.bucket)), each(A.ex05_2.right, (f) => ex.checkManifestProblems(f, real, lake.bucket)));
});

test('06.1 the revenue rule: total on every row or only the sales half fails; both halves spelled out pass', async () => {
  const db = await ctx.warehouse();
  await expectVerdicts('06.1', each(A.ex06_1.wrong, (sql) => ex.checkRevenueRule(db, sql)), each(A.ex06_1.right, (sql) => ex.checkRevenueRule(db, sql)));
  const [{ n }] = await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM core.fct_orders WHERE revenue_amount <> CASE WHEN is_sale THEN total_amount ELSE 0 END');
  assert.equal(Number(n), 0, 'the planted faults were rolled back');
});

test('06.2 weekly sales: SUM(orders), newest first or Sunday weeks fail; ISO weekday arithmetic passes', async () => {
  const db = await ctx.warehouse();
  await expectVerdicts('06.2', each(A.ex06_2.wrong, (sql) => ex.checkWeeklySales(db, sql)), each(A.ex06_2.right, (sql) => ex.checkWeeklySales(db, sql)));
});

test('07.1 the margin spec: months with colour, revenue or a mean fails; a vertical unaggregated spec passes', async () => {
  const db = await ctx.warehouse();
  const data = await db.query('SELECT month_start, category, revenue, margin FROM mart.category_month');
  await expectVerdicts('07.1', each(A.ex07_1.wrong, (f) => ex.checkMarginChart(db, f(data))), each(A.ex07_1.right, (f) => ex.checkMarginChart(db, f(data))));
});

test('07.2 the CSV total: a column by position or by substring fails on the planted files; rows keyed by the header pass', async () => {
  const db = await ctx.warehouse();
  const out = path.join(env.dataDir, 'out', 'exercise-csv');
  await exportMartTables(db, out);
  const csv = fs.readFileSync(path.join(out, 'daily_sales.csv'), 'utf8');
  await expectVerdicts('07.2', each(A.ex07_2.wrong, (f) => ex.checkCsvColumnTotal(db, f, csv)), each(A.ex07_2.right, (f) => ex.checkCsvColumnTotal(db, f, csv)));
});

test('08.1 the weekday averages: ordered by name, summed or only the best fails; rounded and ordered by position passes', async () => {
  const db = await ctx.warehouse();
  await expectVerdicts('08.1', each(A.ex08_1.wrong, (sql) => ex.checkBestWeekday(db, sql)), each(A.ex08_1.right, (sql) => ex.checkBestWeekday(db, sql)));
});

test('08.3 the slowest destination: undelivered as zero days, the fastest or every country fails; sum over count passes', async () => {
  const db = await ctx.warehouse();
  await expectVerdicts('08.3', each(A.ex08_3.wrong, (sql) => ex.checkSlowestDestination(db, sql)), each(A.ex08_3.right, (sql) => ex.checkSlowestDestination(db, sql)));
});

test('08.2 the segment spec: counts or the five biggest segments fail; a horizontal spec passes', async () => {
  const db = await ctx.warehouse();
  const segments = await db.query('SELECT rfm_segment, customers, customer_share FROM mart.rfm_segments');
  await expectVerdicts('08.2', each(A.ex08_2.wrong, (f) => ex.checkSegmentChart(db, f(segments))), each(A.ex08_2.right, (f) => ex.checkSegmentChart(db, f(segments))));
});

test('every exercise has stepped hints: a nudge first, the answer last, and hint() walks them in order', () => {
  assert.equal(ex.exerciseIds().length, 17);
  ex.resetHints();
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    for (let i = 0; i < 4; i++) ex.hint('06.2');
  } finally {
    console.log = log;
  }
  assert.match(lines[0], /^hint 1 of 3/);
  assert.match(lines[1], /^hint 2 of 3/);
  assert.match(lines[2], /^answer/);
  assert.match(lines[3], /^answer/, 'past the last step it repeats the answer');
  // A failed check prints hint 1 and stops with one line; hint() then goes on from hint 2.
  lines.length = 0;
  console.log = (s: string) => lines.push(s);
  try {
    assert.throws(() => ex.checkAnswer({ id: '08.1', ok: false, summary: 'no query yet', differences: ['weekdaySql is empty'] }), (err: Error) => err instanceof ex.ExerciseNotSolved && !String(err.stack).includes('\n'));
    ex.hint('08.1');
  } finally {
    console.log = log;
  }
  assert.match(lines[0], /^✗ 08\.1 .*\n    · weekdaySql is empty\n    hint 1 of 3: /);
  assert.match(lines[1], /^hint 2 of 3/);
  for (const id of ex.exerciseIds()) {
    const { hints } = ex.exerciseInfo(id);
    assert.ok(hints.length >= 2, `${id} has a nudge and an answer`);
  }
});

test('a wrong answer in a notebook cell shows ✗, what differs and a hint, with no stack trace, and stops the run there', () => {
  const name = `_wrong_answer_${process.pid}`;
  const file = path.join(ROOT, 'notebooks', `${name}.ipynb`);
  const cell = (source: string, id: string) => ({ cell_type: 'code', id, metadata: {}, source, outputs: [], execution_count: null });
  fs.writeFileSync(file, JSON.stringify({
    cells: [
      cell("import { checkAnswer, checkRedshiftCopy } from '@orderhe/lib';", 'a'),
      cell([
        "const want = { table: 'staging.customers', columns: ['customer_id', 'email'], bucket: 'lake', manifestKey: 'raw/customers/load_date=2026-01-01/run=r1/manifest.json', iamRole: 'arn:aws:iam::1:role/r', region: 'eu-central-1' };",
        "const mine = `COPY staging.customers (customer_id, email) FROM 's3://lake/raw/customers/load_date=2026-01-01/run=r1/manifest.json' IAM_ROLE 'arn:aws:iam::1:role/r' CSV GZIP MANIFEST IGNOREHEADER 1 NULL AS '\\\\N' TIMEFORMAT 'auto' REGION 'us-west-2'`;",
        'checkAnswer(checkRedshiftCopy(mine, want));',
      ].join('\n'), 'b'),
      cell('console.log("never runs");', 'c'),
    ],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  }));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools', 'cli', 'notebooks.ts'), '--no-build', name], {
      cwd: ROOT, env: env.env, encoding: 'utf8', timeout: 300_000,
    });
    assert.equal(run.status, 1, 'the run fails at the check');
    assert.match(run.stderr, new RegExp(`${name}\\.ipynb failed at cell 2`));
    const executed = JSON.parse(fs.readFileSync(path.join(env.dataDir, 'out', 'notebooks', `${name}.ipynb`), 'utf8')) as { cells: { outputs: { name?: string; text?: string | string[] }[] }[] };
    const text = executed.cells[1].outputs.map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? '')).join('');
    assert.match(text, /✗ 05\.1 Redshift COPY for customers/);
    assert.match(text, /REGION: expected 'eu-central-1', got 'us-west-2'/);
    assert.match(text, /hint 1 of 3: /);
    assert.match(text, /not solved yet/);
    assert.doesNotMatch(text, /^\s+at /m, `no stack trace in the cell:\n${text}`);
    assert.doesNotMatch(text, /FROM 's3:\/\/<lake.bucket>/, 'the first hint does not give the answer away');
    assert.equal(executed.cells[2].outputs.length, 0, 'the cells after it did not run');
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('a failed checkpoint, like a failed check, reads as one line in the kernel, not a stack trace', () => {
  const shown = inspect(new CheckpointFailed('Checkpoint "mart" failed: mart has 0 tables with rows (of 0).', 'Build the mart: buildMart(ctx).'));
  assert.match(shown, /^Checkpoint "mart" failed: .*\(see the ✗ lines above\)$/);
  assert.doesNotMatch(shown, /\n/);
  assert.doesNotMatch(inspect(new ex.ExerciseNotSolved('06.2', 'Weekly sales')), /\n\s+at /);
});
