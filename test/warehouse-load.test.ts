/**
 * The warehouse load against the real MariaDB, PostgreSQL and the embedded S3 server: lake runs streamed
 * through COPY into staging in one transaction, counted against their manifests, and nothing left behind
 * (no half-loaded staging, no hung COPY, no leaked client) when a part is damaged or a stream fails.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ROOT, testEnv } from './helpers';
import type { PipelineContext } from '../lib/core/context';
import type { RunOptions } from '../lib/core/steps';
import { OrderHeError } from '../lib/core/errors';
import { generateShop } from '../lib/pipeline';
import { countSourceRows, loadShopIntoSource } from '../lib/source/load';
import { extractTablesIntoLake } from '../lib/lake/extract';
import { listRuns, readManifest, readExtractState, readRunRecord } from '../lib/lake/read';
import { LakeRunFeed } from '../lib/lake/feed';
import { SOURCE_TABLES, type SourceTable } from '../lib/lake/format';
import {
  beginStagingLoad, checkRunCount, createStagingTables, copyPartIntoStaging, emptyStaging, loadLakeIntoStaging, planWarehouseLoad, stagingCounts,
} from '../lib/warehouse/staging-load';
import { buildCore } from '../lib/warehouse/core-merge';

const env = testEnv('whload');
let ctx: PipelineContext;
const shop: RunOptions = { orders: 1500, seed: 11, locale: 'en' };

async function makeShop(options: RunOptions) {
  await generateShop(ctx, options);
  await loadShopIntoSource(ctx, options);
  // Small parts, so every table's run has several and the load streams more than one per run.
  return extractTablesIntoLake(ctx, { partBytes: 16 * 1024 });
}

async function manifestRows(table: SourceTable, runIds: string[]): Promise<number> {
  const lake = await ctx.lake();
  let n = 0;
  for (const run of await listRuns(lake, { table })) {
    if (!runIds.includes(run.runId)) continue;
    for (const e of (await readManifest(lake, run)).entries) n += e.meta.record_count;
  }
  return n;
}

async function pendingRuns() {
  const db = await ctx.warehouse();
  return db.query<{ table_name: string; run_id: string; lineage: string; kind: string; record_count: string }>(
    'SELECT table_name, run_id, lineage, kind, record_count FROM staging.pending_runs ORDER BY table_name, run_id');
}

/** COPYs of this database still running, and our sessions left inside an open transaction. */
async function leftovers() {
  const db = await ctx.warehouse();
  const [row] = await db.query<{ copies: string; stuck: string }>(`
    SELECT COUNT(*) FILTER (WHERE query ILIKE 'COPY%' AND state = 'active') AS copies,
           COUNT(*) FILTER (WHERE state LIKE 'idle in transaction%') AS stuck
      FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  return { copies: Number(row.copies), stuck: Number(row.stuck) };
}

before(async () => {
  ctx = env.open();
});

test('before any extract, the load says the lake is empty and how to fill it', async () => {
  await assert.rejects(loadLakeIntoStaging(ctx), (err: unknown) => err instanceof OrderHeError && /holds no extract yet/.test(err.message) && /--until lake/.test(err.fix ?? ''));
  await makeShop(shop);
});

after(async () => {
  await ctx.close();
  await env.cleanup();
});

test('the first load copies every table\'s full run into staging, and each staging count equals its manifest', async () => {
  const seen: number[] = [];
  const progressCtx: PipelineContext = { ...ctx, progress: (step, done, total) => { if (step === 'warehouse') seen.push(done, total ?? -1); } };
  const result = await loadLakeIntoStaging(progressCtx);
  const pending = await pendingRuns();
  const lineage = (await readExtractState(await ctx.lake()))!.lineage;
  assert.deepEqual(pending.map((r) => r.table_name).sort(), [...SOURCE_TABLES].sort(), 'one pending run per table');
  let total = 0;
  for (const c of await stagingCounts(await ctx.warehouse())) {
    const runs = pending.filter((r) => r.table_name === c.table);
    const expected = await manifestRows(c.table, runs.map((r) => r.run_id));
    assert.ok(expected > 0, `${c.table} has rows`);
    assert.equal(c.staged, expected, `${c.table}: staging equals the manifest`);
    assert.equal(c.manifest, expected, `${c.table}: pending_runs.record_count equals the manifest`);
    assert.deepEqual(result.detail?.[c.table], { runs: 1, rows: expected });
    assert.equal(runs[0].kind, 'full');
    assert.equal(runs[0].lineage, lineage);
    total += expected;
  }
  assert.equal(result.rows, total);
  assert.equal(seen.at(-2), total, 'progress ends at every row copied');
  assert.equal(seen.at(-1), total, 'progress total is the manifests\' sum');
});

test('staging keeps exact values: money as written, NULL apart from the empty string, timestamps in UTC', async () => {
  const db = await ctx.warehouse();
  const source = await ctx.source();
  const [[src]] = (await source.pool.query('SELECT SUM(total_amount) AS s, SUM(ship_city IS NULL) AS nulls FROM orders')) as unknown as [{ s: string; nulls: string }[]];
  const [dw] = await db.query<{ s: string; nulls: string }>('SELECT SUM(total_amount) AS s, COUNT(*) FILTER (WHERE ship_city IS NULL) AS nulls FROM staging.orders');
  assert.equal(dw.s, String(src.s));
  assert.equal(Number(dw.nulls), Number(src.nulls));
  const [[first]] = (await source.pool.query("SELECT order_id, DATE_FORMAT(ordered_at, '%Y-%m-%d %H:%i:%s.%f') AS at FROM orders ORDER BY order_id LIMIT 1")) as unknown as [{ order_id: number; at: string }[]];
  const [row] = await db.query<{ at: string }>("SELECT to_char(ordered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at FROM staging.orders WHERE order_id = $1", [first.order_id]);
  assert.equal(row.at, first.at);
});

/** Replaces one part of the orders run for the duration of `fn`, then puts the original bytes back. */
async function withDamagedPart(damage: (key: string, original: Buffer) => Promise<void>, fn: () => Promise<void>) {
  const lake = await ctx.lake();
  const [run] = await listRuns(lake, { table: 'orders' });
  const key = (await readManifest(lake, run)).entries[1].url.replace(/^s3:\/\/[^/]+\//, '');
  const res = await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: key }));
  const original = Buffer.from(await res.Body!.transformToByteArray());
  await damage(key, original);
  try {
    await fn();
  } finally {
    await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: key, Body: original }));
  }
}

test('the load\'s transaction held open across calls, as notebook 05 runs it step by step, rolls back to the staging it replaced', async () => {
  const db = await ctx.warehouse();
  const lake = await ctx.lake();
  const before = await stagingCounts(db);
  const plan = await planWarehouseLoad(lake, db);
  const run = plan.runs.find((r) => r.parts.length > 1)!;
  const load = await beginStagingLoad(db);
  await emptyStaging(load.tx);
  const rows = await copyPartIntoStaging(load.tx, lake, run, run.parts[0]);
  assert.equal(rows, run.parts[0].rows, 'one part, counted against its manifest entry');
  assert.throws(() => checkRunCount(run, rows), /manifest says/, 'a run missing parts fails its count');
  await load.rollback();
  assert.deepEqual(await stagingCounts(db), before, 'staging as it was');
  assert.deepEqual(await leftovers(), { copies: 0, stuck: 0 });
  await assert.rejects(load.commit(), /already ended/);
});

test('a part whose sha256 does not match its run record fails the load with one clear error, and staging stays as it was', async () => {
  const lake = await ctx.lake();
  const before = { counts: await stagingCounts(await ctx.warehouse()), pending: await pendingRuns() };
  await withDamagedPart(async (key, original) => {
    // Still valid gzip and valid CSV (one row fewer): only the checksum can tell.
    const lines = zlib.gunzipSync(original).toString('utf8').split('\n');
    lines.splice(1, 1);
    await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: key, Body: zlib.gzipSync(lines.join('\n')) }));
  }, async () => {
    await assert.rejects(loadLakeIntoStaging(ctx), (err: unknown) => {
      assert.ok(err instanceof OrderHeError);
      assert.match(err.message, /orders run .* is damaged: its sha256/);
      assert.match(err.fix ?? '', /Extract orders again in full .*: npm run pipeline -- --from lake --full-extract orders$/);
      return true;
    });
  });
  assert.deepEqual(await stagingCounts(await ctx.warehouse()), before.counts);
  assert.deepEqual(await pendingRuns(), before.pending);
  assert.deepEqual(await leftovers(), { copies: 0, stuck: 0 });
});

test('a manifest naming a part missing from the lake fails with one clear error, and staging stays as it was', async () => {
  const lake = await ctx.lake();
  const before = await stagingCounts(await ctx.warehouse());
  await withDamagedPart(async (key) => {
    await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: key }));
  }, async () => {
    await assert.rejects(loadLakeIntoStaging(ctx), (err: unknown) => {
      assert.ok(err instanceof OrderHeError);
      assert.match(err.message, /Loading orders run .* failed: The lake part s3:\/\/.*part-00001\.csv\.gz is missing/);
      return true;
    });
  });
  assert.deepEqual(await stagingCounts(await ctx.warehouse()), before);
});

test('a CSV stream that fails halfway aborts its COPY: no COPY keeps running, no client leaks, the pool still answers', { timeout: 60_000 }, async () => {
  const db = await ctx.warehouse();
  const columns = ['order_id', 'customer_id', 'status', 'ordered_at', 'currency', 'ship_city', 'ship_region', 'ship_country', 'shipping_zone', 'items_amount', 'discount_amount', 'shipping_amount', 'total_amount', 'created_at', 'updated_at'];
  const before = await stagingCounts(db);
  // More failures than the pool has clients (4): a client kept by a failed COPY would make the next one wait forever.
  for (let attempt = 0; attempt < 6; attempt++) {
    async function* halfway() {
      yield columns.join(',') + '\n';
      for (let i = 0; i < 500; i++) yield `${900000 + i},1,placed,2026-01-01 00:00:00.000+00,USD,\\N,North,US,domestic,1.00,0.00,0.00,1.00,2026-01-01 00:00:00.000+00,2026-01-01 00:00:00.000+00\n`;
      throw new Error('the network went away');
    }
    await assert.rejects(db.transaction((tx) => tx.copyCsvFromStream('staging.orders', columns, Readable.from(halfway()))), /the network went away/);
  }
  assert.deepEqual(await db.query('SELECT 1 AS ok'), [{ ok: 1 }]);
  assert.deepEqual(await leftovers(), { copies: 0, stuck: 0 });
  assert.deepEqual(await stagingCounts(db), before, 'the rows sent before the failure were rolled back');
});

test('once core has merged the runs, a rerun with nothing new in the lake loads 0 rows', async () => {
  await loadLakeIntoStaging(ctx);
  await buildCore(ctx);
  const again = await loadLakeIntoStaging(ctx);
  assert.equal(again.rows, 0);
  assert.deepEqual(await pendingRuns(), []);
  for (const c of await stagingCounts(await ctx.warehouse())) assert.equal(c.staged, 0, `${c.table} staging is empty`);
});

test('after an append, only the new incremental runs are loaded', async () => {
  const appended: RunOptions = { ...shop, append: { days: 2 } };
  await generateShop(ctx, appended);
  await loadShopIntoSource(ctx, appended);
  const extract = await extractTablesIntoLake(ctx);
  const written = extract.tables.filter((t) => t.runId);
  assert.ok(written.length > 0, 'the append changed some tables');
  const result = await loadLakeIntoStaging(ctx);
  const pending = await pendingRuns();
  assert.deepEqual(pending.map((r) => r.run_id).sort(), written.map((t) => t.runId).sort());
  assert.ok(pending.every((r) => r.kind === 'incremental'));
  assert.equal(result.rows, written.reduce((n, t) => n + t.rows, 0));
  await buildCore(ctx);
});

test('staging and core are LOGGED tables, and a staging an older version made UNLOGGED is made LOGGED again with its rows', async () => {
  // Why: PostgreSQL 15 can refuse to restart after a crash during the load when staging is UNLOGGED (see
  // createCoreTables; test/crash.test.ts kills a real server during the COPY).
  const db = await ctx.warehouse();
  const persistence = async () => db.query<{ schema: string; relname: string; relpersistence: string }>(
    `SELECT n.nspname AS schema, c.relname, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('staging', 'core') AND c.relkind = 'r' ORDER BY 1, 2`);
  const before = await persistence();
  assert.ok(before.some((r) => r.schema === 'staging') && before.some((r) => r.schema === 'core'));
  for (const r of before) assert.equal(r.relpersistence, 'p', `${r.schema}.${r.relname} is logged`);

  const [staged] = await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM staging.orders');
  await db.exec('ALTER TABLE staging.orders SET UNLOGGED');
  await createStagingTables(db, ROOT);
  for (const r of await persistence()) assert.equal(r.relpersistence, 'p', `${r.schema}.${r.relname} is logged again`);
  const [after] = await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM staging.orders');
  assert.equal(after.n, staged.n, 'the rows staging held are kept');
});

test('a regenerated shop (a new lineage) loads only that lineage\'s full runs, never the old lineage\'s', async () => {
  const oldLineage = (await readExtractState(await ctx.lake()))!.lineage;
  await makeShop({ orders: 800, seed: 12, locale: 'en' });
  const lake = await ctx.lake();
  const lineage = (await readExtractState(lake))!.lineage;
  assert.notEqual(lineage, oldLineage);
  const plan = await planWarehouseLoad(lake, await ctx.warehouse());
  assert.equal(plan.runs.length, SOURCE_TABLES.length);
  assert.ok(plan.runs.every((r) => r.lineage === lineage && r.kind === 'full'));
  const result = await loadLakeIntoStaging(ctx);
  assert.equal(result.rows, plan.totalRows);
  for (const c of await stagingCounts(await ctx.warehouse())) assert.equal(c.staged, c.manifest, `${c.table} staging equals the manifest`);
});

/** Waits until `check` holds (the overlapped load works in the background), failing after `seconds`. */
async function until(check: () => boolean, what: string, seconds = 30) {
  for (const end = Date.now() + seconds * 1000; !check(); ) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The extract announcing its runs to `feed`, telling it when the extract fails (as lib/pipeline.ts does). */
async function extractInto(feed: LakeRunFeed) {
  try {
    return await extractTablesIntoLake(ctx, { partBytes: 16 * 1024, fullTables: [...SOURCE_TABLES], feed });
  } catch (err) {
    feed.failed(err);
    throw err;
  }
}

/** A load reading `feed` (as the pipeline runs it beside the extract), with what its progress said. */
function overlappedLoad(feed: LakeRunFeed) {
  const copied: number[] = [];
  const progressCtx: PipelineContext = { ...ctx, progress: (step, done) => { if (step === 'warehouse') copied.push(done); } };
  let settled = false;
  const loading = loadLakeIntoStaging(progressCtx, feed).finally(() => { settled = true; });
  loading.catch(() => {});
  return { loading, copiedSoFar: () => copied.at(-1) ?? 0, settled: () => settled };
}

test('beside a running extract, the load copies each run as its run record lands, but publishes nothing until the extract has finished', async () => {
  const db = await ctx.warehouse();
  await buildCore(ctx); // merge what staging holds, so only the new runs are pending
  const feed = new LakeRunFeed();
  const load = overlappedLoad(feed);
  const extract = await extractInto(feed);
  const extracted = extract.tables.reduce((n, t) => n + t.rows, 0);
  await until(() => load.copiedSoFar() === extracted, 'every announced run is copied');
  // Copied inside the load's open transaction, which holds staging (it was emptied by TRUNCATE): a reader waits for
  // the commit instead of seeing half a load, and the load itself waits for the extract to finish.
  assert.equal(load.settled(), false, 'the load waits for the extract to finish');
  await assert.rejects(db.transaction(async (tx) => {
    await tx.exec("SET LOCAL lock_timeout = '300ms'");
    await tx.query('SELECT COUNT(*) FROM staging.orders');
  }, { readOnly: true }), (err: { code?: string }) => err.code === '55P03', 'staging is held by the open load');
  feed.finished();
  const result = await load.loading;
  assert.equal(result.rows, extracted);
  const pending = await pendingRuns();
  assert.deepEqual(pending.map((r) => r.run_id), SOURCE_TABLES.map(() => extract.runId), 'the new runs are the pending ones');
  for (const c of await stagingCounts(db)) assert.equal(c.staged, c.manifest, `${c.table} staging equals the manifest`);
  assert.deepEqual(await leftovers(), { copies: 0, stuck: 0 });
});

test('when the extract beside it fails, the overlapped load rolls back with the extract\'s error and staging stays as it was', async () => {
  const db = await ctx.warehouse();
  const before = await stagingCounts(db);
  const feed = new LakeRunFeed();
  const load = overlappedLoad(feed);
  const extract = await extractInto(feed);
  await until(() => load.copiedSoFar() === extract.rows, 'every announced run is copied');
  const failure = new Error('the extract failed');
  feed.failed(failure);
  await assert.rejects(load.loading, (err) => err === failure);
  assert.deepEqual(await stagingCounts(db), before);
  assert.deepEqual(await leftovers(), { copies: 0, stuck: 0 });
});

test('a run copied beside the extract that no manifest lists fails the load, and staging stays as it was', async () => {
  const db = await ctx.warehouse();
  const lake = await ctx.lake();
  const before = await stagingCounts(db);
  const [run] = await listRuns(lake, { table: 'products' });
  const record = await readRunRecord(lake, run);
  const feed = new LakeRunFeed();
  const load = overlappedLoad(feed);
  // The parts are real; the run id is one no manifest (and no extract state) knows.
  feed.runWritten({ ...record, runId: '20991231T000000000Z-0000' }, run.prefix);
  feed.finished();
  await assert.rejects(load.loading, (err: unknown) => err instanceof OrderHeError && /products\/20991231T000000000Z-0000 was copied into staging while the extract ran, but the lake's manifests do not list it/.test(err.message));
  assert.deepEqual(await stagingCounts(db), before);
  assert.deepEqual(await leftovers(), { copies: 0, stuck: 0 });
});
