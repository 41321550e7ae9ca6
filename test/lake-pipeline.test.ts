/**
 * The "done when", through the real steps: generate → source → lake with 4000 orders,
 * then one more day appended and extracted incrementally.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from './helpers';
import type { PipelineContext } from '../lib/core/context';
import { runPipeline } from '../lib/pipeline';
import { latestRun, readManifest, readRunObjects, readRunRecord } from '../lib/lake/read';
import type { RunOptions } from '../lib/core/steps';
import { SOURCE_TABLES } from '../lib/lake/format';

const env = testEnv('lake_pipeline');
let ctx: PipelineContext;
const options: RunOptions = { orders: 4000, seed: 42, locale: 'en' };

before(() => { ctx = env.open(); });
after(async () => {
  await ctx.close();
  await env.cleanup();
});

async function ordersInSource(where = '1 = 1', params: unknown[] = []): Promise<string[]> {
  const [rows] = (await (await ctx.source()).pool.query(`SELECT order_id FROM orders WHERE ${where} ORDER BY order_id`, params)) as unknown as [{ order_id: number | string }[]];
  return rows.map((r) => String(r.order_id));
}

/** Every order of the source as one string of all its columns, by order_id. */
async function orderRows(): Promise<Map<string, string>> {
  const [rows] = (await (await ctx.source()).pool.query({ sql: 'SELECT * FROM orders', rowsAsArray: true })) as unknown as [unknown[][]];
  return new Map(rows.map((r) => [String(r[0]), JSON.stringify(r)]));
}

test('after the pipeline runs until lake, the newest orders manifest sums to the source order count and lists only .gz parts', async () => {
  const reports = await runPipeline(ctx, options, ['generate', 'source', 'lake']);
  const lake = await ctx.lake();
  const run = (await latestRun(lake, 'orders'))!;
  const manifest = await readManifest(lake, run);
  assert.equal(manifest.entries.reduce((n, e) => n + e.meta.record_count, 0), (await ordersInSource()).length);
  assert.equal((await ordersInSource()).length, 4000);
  assert.ok(manifest.entries.length > 0 && manifest.entries.every((e) => e.url.endsWith('.csv.gz')));
  assert.equal((await readRunRecord(lake, run)).kind, 'full');
  // The step's row count is what the six manifests hold together.
  let inManifests = 0;
  for (const table of SOURCE_TABLES) for (const e of (await readManifest(lake, (await latestRun(lake, table))!)).entries) inManifests += e.meta.record_count;
  assert.equal(reports.find((r) => r.step === 'lake')!.rows, inManifests);
});

test('after --append --days 1 the next orders run holds exactly the changed orders: more than none, fewer than all', async () => {
  const lake = await ctx.lake();
  const full = await readRunRecord(lake, (await latestRun(lake, 'orders'))!);
  // The expectation comes from comparing the source before and after the append, not from the extract's watermark
  // predicate: an order changed when it is new or any of its columns differs.
  const before = await orderRows();
  await runPipeline(ctx, { ...options, append: { days: 1 } }, ['generate', 'source', 'lake']);
  const afterAppend = await orderRows();
  const run = (await latestRun(lake, 'orders'))!;
  const record = await readRunRecord(lake, run);
  assert.equal(record.kind, 'incremental');
  assert.deepEqual(record.watermark.from, full.watermark.to);
  const inRun = (await readRunObjects(lake, run)).map((r) => String(r.order_id)).sort((a, b) => Number(a) - Number(b));
  const changed = [...afterAppend].filter(([id, row]) => before.get(id) !== row).map(([id]) => id).sort((a, b) => Number(a) - Number(b));
  assert.deepEqual(inRun, changed);
  const total = (await ordersInSource()).length;
  assert.ok(inRun.length > 0 && inRun.length < total, `${inRun.length} changed of ${total}`);
  const manifest = await readManifest(lake, run);
  assert.equal(manifest.entries.reduce((n, e) => n + e.meta.record_count, 0), inRun.length);
});
