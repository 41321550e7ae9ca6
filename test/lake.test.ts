/**
 * The extract into the lake, against the real MariaDB, PostgreSQL and the embedded S3 server:
 * full and incremental runs, the CSV dialect read back by PostgreSQL COPY, verification, lineage and failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Pool } from 'mysql2/promise';
import { testEnv, ROOT } from './helpers';
import type { PipelineContext } from '../lib/core/context';
import { OrderHeError } from '../lib/core/errors';
import { s3Client, startEmbeddedLakeServer, type Lake } from '../lib/lake/connection';
import {
  beginExtract, endSnapshot, extractSourceIntoLake, extractTablesIntoLake, planTableSelect, readNewWatermark, saveExtractState,
  writeManifests, writeRunRecord, writeTableParts,
} from '../lib/lake/extract';
import { latestRun, listRuns, openPartStream, readExtractState, readManifest, readPartRows, readRunObjects, readRunRecord } from '../lib/lake/read';
import { CsvRowParser, csvKindOf, csvLine, csvLineSql, type SourceValue } from '../lib/lake/csv';
import { SOURCE_TABLES, type SourceTable } from '../lib/lake/format';

const env = testEnv('lake');
let ctx: PipelineContext;
let pool: Pool;
const options = { orders: 3000, seed: 1, locale: 'en' as const };

// A small shop of our own, straight from sql/source/ (the generator has its own tests).
const COUNTS = { customers: 300, products: 40, orders: 3000 };

before(async () => {
  ctx = env.open();
  pool = (await ctx.source()).pool;
  for (const file of fs.readdirSync(path.join(ROOT, 'sql/source')).sort()) {
    await pool.query(fs.readFileSync(path.join(ROOT, 'sql/source', file), 'utf8'));
  }
  // 1..n from four digit tables (no recursive CTE: MariaDB caps those at 1000 iterations by default).
  const d = (x: string) => `(SELECT 0 AS ${x} UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) ${x}`;
  const seq = (n: number) => `(SELECT 1 + a + 10 * b + 100 * c + 1000 * e AS i FROM ${d('a')}, ${d('b')}, ${d('c')}, ${d('e')} HAVING i <= ${n}) s`;
  const at = `'2026-01-01 00:00:00.000' + INTERVAL i MINUTE`;
  await pool.query(`INSERT INTO customers SELECT i, CONCAT('c', i, '@example.com'), CONCAT('First', i), 'Last', NULL, 'Seoul', 'Seoul', 'KR', 'web', ${at}, ${at} FROM ${seq(COUNTS.customers)}`);
  await pool.query(`INSERT INTO products SELECT i, CONCAT('SKU', i), CONCAT('Product ', i), 'books', 'Acme', 250, 12.34 + i, 5.5, 1, ${at}, ${at} FROM ${seq(COUNTS.products)}`);
  await pool.query(`INSERT INTO orders SELECT i, 1 + i % ${COUNTS.customers}, 'placed', ${at}, 'KRW', NULL, 'Seoul', 'KR', 'domestic', 20.00, 1.50, 3.00, 21.50, ${at}, ${at} FROM ${seq(COUNTS.orders)}`);
  await pool.query(`INSERT INTO order_items SELECT i, 1 + (i - 1) % ${COUNTS.orders}, 1 + i % ${COUNTS.products}, 2, 10.00, 0.00, 20.00, ${at}, ${at} FROM ${seq(COUNTS.orders * 2)}`);
  await pool.query(`INSERT INTO payments SELECT i, i, 'card', 'captured', 21.50, ${at}, ${at}, ${at} FROM ${seq(COUNTS.orders)}`);
  await pool.query(`INSERT INTO order_status_history SELECT i, i, 'placed', ${at}, ${at}, ${at} FROM ${seq(COUNTS.orders)}`);
  await pool.query(`INSERT INTO source_lineage VALUES ('L-test-1', 1, ${COUNTS.orders}, NOW(3))`);
});

after(async () => {
  await ctx.close();
  await env.cleanup();
});

async function sourceCount(table: SourceTable): Promise<number> {
  const [rows] = (await pool.query(`SELECT COUNT(*) AS n FROM ${table}`)) as unknown as [{ n: number }[]];
  return Number(rows[0].n);
}

test('a first run is full: each table\'s manifest sums to the source count and lists only .gz parts', async () => {
  const result = await extractSourceIntoLake(ctx, options);
  const lake = await ctx.lake();
  let total = 0;
  for (const table of SOURCE_TABLES) {
    const run = await latestRun(lake, table);
    assert.ok(run, `${table} has a run`);
    const manifest = await readManifest(lake, run);
    const record = await readRunRecord(lake, run);
    const count = await sourceCount(table);
    assert.equal(manifest.entries.reduce((n, e) => n + e.meta.record_count, 0), count, `${table} manifest rows`);
    assert.equal(record.kind, 'full');
    assert.equal(record.lineage, 'L-test-1');
    assert.equal(record.watermark.from, null);
    for (const e of manifest.entries) {
      assert.match(e.url, new RegExp(`^s3://${lake.bucket}/raw/${table}/load_date=\\d{4}-\\d{2}-\\d{2}/run=[^/]+/part-\\d{5}\\.csv\\.gz$`));
      assert.equal(e.mandatory, true);
      const head = await lake.client.send(new HeadObjectCommand({ Bucket: lake.bucket, Key: e.url.slice(`s3://${lake.bucket}/`.length) }));
      assert.equal(head.ContentLength, e.meta.content_length, 'content_length is the gzipped size');
    }
    total += count;
  }
  assert.equal(result.rows, total);
  const state = await readExtractState(lake);
  assert.equal(state?.lineage, 'L-test-1');
  assert.deepEqual(Object.keys(state!.tables).sort(), [...SOURCE_TABLES].sort());
});

test('parts roll over at the configured size, each starts with the header, and together they hold every row once', async () => {
  const lake = await ctx.lake();
  // partBytes 1: every ~64 KB batch of CSV closes its part, so 6000 order items make several parts.
  await pool.query(`UPDATE source_lineage SET lineage_id = 'L-test-parts'`);
  const result = await extractTablesIntoLake(ctx, { partBytes: 1, tables: ['order_items'] });
  const items = result.tables[0];
  assert.ok(items.parts > 1, `several parts (${items.parts})`);
  const record = await readRunRecord(lake, items.prefix!);
  const ids = new Set<string>();
  for (const part of record.parts) {
    const { columns, rows } = await readPartRows(lake, part);
    assert.deepEqual(columns, record.columns.map((c) => c.name));
    assert.equal(rows.length, part.rows);
    for (const r of rows) ids.add(r[0]!);
  }
  assert.equal(ids.size, await sourceCount('order_items'));
  await pool.query(`UPDATE source_lineage SET lineage_id = 'L-test-1'`);
});

test('after updates and inserts the next run is incremental and holds exactly the changed rows', async () => {
  const lake = await ctx.lake();
  // Start from a clean full run of the current lineage.
  await extractTablesIntoLake(ctx);
  const state = (await readExtractState(lake))!;
  const mark = state.tables.orders!.watermark!;
  await pool.query(`UPDATE orders SET status = 'shipped', updated_at = '2027-01-01 00:00:00.000' WHERE order_id IN (5, 10, 15)`);
  await pool.query(`INSERT INTO orders SELECT order_id + 100000, customer_id, status, ordered_at, currency, ship_city, ship_region, ship_country, shipping_zone,
    items_amount, discount_amount, shipping_amount, total_amount, created_at, '2027-01-02 00:00:00.000' FROM orders WHERE order_id IN (1, 2)`);
  // Same updated_at as the old watermark, larger key: the tie-breaker must still pick it up.
  await pool.query(`INSERT INTO orders SELECT 200000, customer_id, status, ordered_at, currency, ship_city, ship_region, ship_country, shipping_zone,
    items_amount, discount_amount, shipping_amount, total_amount, created_at, ? FROM orders WHERE order_id = 1`, [mark.updatedAt]);

  const result = await extractTablesIntoLake(ctx);
  const orders = result.tables.find((t) => t.table === 'orders')!;
  assert.equal(orders.kind, 'incremental');
  const rows = await readRunObjects(lake, orders.prefix!);
  assert.deepEqual(rows.map((r) => Number(r.order_id)).sort((a, b) => a - b), [5, 10, 15, 100001, 100002, 200000]);
  assert.ok(rows.filter((r) => Number(r.order_id) < 100).every((r) => r.status === 'shipped'));
  const record = await readRunRecord(lake, orders.prefix!);
  assert.deepEqual(record.watermark.from, mark);
  assert.deepEqual(record.watermark.to, { updatedAt: '2027-01-02 00:00:00.000', key: '100002' });

  // Nothing else changed: no other table wrote a run, and a run right after writes none at all.
  for (const t of result.tables.filter((t) => t.table !== 'orders')) assert.equal(t.runId, null, `${t.table} wrote no run`);
  const before = (await listRuns(lake)).length;
  const again = await extractTablesIntoLake(ctx);
  assert.equal(again.rows, 0);
  assert.equal((await listRuns(lake)).length, before);
});

test('the extract\'s steps called one by one, as notebook 04 runs them: a run is invisible until its manifest, and the watermark moves only with the state', async () => {
  const lake = await ctx.lake();
  await pool.query(`UPDATE orders SET status = 'paid', updated_at = '2027-01-15 00:00:00.000' WHERE order_id BETWEEN 20 AND 24`);
  const stateBefore = await readExtractState(lake);
  const run = await beginExtract(ctx);
  const select = await planTableSelect(run, 'orders');
  assert.equal(select.kind, 'incremental');
  assert.match(select.sql, / WHERE `updated_at` > \? OR \(`updated_at` = \? AND `order_id` > \?\)$/);
  const parts = await writeTableParts(run, select);
  const record = await writeRunRecord(run, select, parts, await readNewWatermark(run, select));
  assert.equal(record!.rows, 5);
  assert.deepEqual(record!.watermark.to, { updatedAt: '2027-01-15 00:00:00.000', key: '24' });
  await endSnapshot(run);
  const visible = async () => (await listRuns(lake, { table: 'orders' })).some((r) => r.runId === run.runId);
  assert.equal(await visible(), false, 'parts and run record, but no manifest: no run');
  await writeManifests(run);
  assert.equal(await visible(), true);
  assert.deepEqual(await readExtractState(lake), stateBefore, 'the watermark has not moved before the state is saved');
  await saveExtractState(run);
  assert.deepEqual((await readExtractState(lake))!.tables.orders, { watermark: record!.watermark.to, lastRunId: run.runId });
});

test('tricky values survive the CSV dialect through a real PostgreSQL COPY into staging', async () => {
  const tricky: [number, string | null, string, string, string | null, string | null, string][] = [
    [900001, '', 'Kim, "Jr."', '\\N', null, '서울특별시 강남구', 'line one\nline two'],
    [900002, null, '"', ',', '  padded  ', 'C:\\path\\N', 'crlf\r\nend'],
    [900003, 'a@b.c', '한글 이름', '""', '\\', 'ends with quote"', 'x'],
  ];
  for (const [id, email, first, last, phone, city, region] of tricky) {
    await pool.query(`INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, 'KR', 'web', '2027-02-01 01:02:03.456', '2027-02-01 01:02:03.456')`,
      [id, email, first, last, phone, city, region]);
  }
  await pool.query(`UPDATE products SET price = 99999999.99, updated_at = '2027-02-01 00:00:00.000' WHERE product_id = 1`);
  await pool.query(`UPDATE source_lineage SET lineage_id = 'L-test-copy'`); // a full run: every row goes through COPY
  const result = await extractTablesIntoLake(ctx, { tables: ['customers', 'products'] });

  const lake = await ctx.lake();
  const wh = await ctx.warehouse();
  for (const file of ['00_schema.sql', 'customers.sql', 'products.sql']) await wh.exec(fs.readFileSync(path.join(ROOT, 'sql/warehouse/staging', file), 'utf8'));
  await wh.exec('TRUNCATE staging.customers, staging.products');
  for (const t of result.tables) {
    const record = await readRunRecord(lake, t.prefix!);
    let copied = 0;
    for (const part of record.parts) copied += await wh.copyCsvFromStream(`staging.${t.table}`, record.columns.map((c) => c.name), await openPartStream(lake, part, { gunzip: true }));
    assert.equal(copied, record.rows);
  }

  const [mysqlRows] = (await pool.query('SELECT * FROM customers ORDER BY customer_id')) as unknown as [Record<string, unknown>[]];
  const pgRows = await wh.query<Record<string, unknown>>(`SELECT customer_id::text, email, first_name, last_name, phone, city, region, country, signup_channel,
      to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS created_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS updated_at
    FROM staging.customers c ORDER BY c.customer_id`);
  assert.equal(pgRows.length, mysqlRows.length);
  assert.deepEqual(pgRows, mysqlRows.map((r) => ({ ...r, customer_id: String(r.customer_id) })));
  const back = await wh.query<{ price: string }>('SELECT price::text AS price FROM staging.products WHERE product_id = 1');
  assert.equal(back[0].price, '99999999.99', 'DECIMAL keeps its exact digits');
});

test('the server writes each CSV line byte for byte as the client-side encoder does', async () => {
  const conn = await pool.getConnection();
  try {
    await conn.query(`CREATE TABLE csv_probe (id INT NOT NULL, t VARCHAR(50) NULL, c CHAR(2) NULL, d DECIMAL(10,2) NULL,
      ts DATETIME(3) NULL, b TINYINT(1) NULL, big BIGINT UNSIGNED NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    const texts = ['', ' ', '\\N', '\\N ', 'a,b', 'q"q', '"', 'x\ny', 'x\ry', '한글', '😀 emoji', 'trailing  ', 'plain', null];
    let id = 0;
    for (const t of texts) {
      await conn.query('INSERT INTO csv_probe VALUES (?, ?, ?, ?, ?, ?, ?)', [++id, t, id % 3 ? 'KR' : null, id % 2 ? '-12.50' : null,
        id % 4 ? '2026-01-02 03:04:05.060' : null, id % 2, id % 5 ? '18446744073709551615' : null]);
    }
    const [cols] = (await conn.query(`SELECT column_name AS name, data_type AS type FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name = 'csv_probe' ORDER BY ordinal_position`)) as unknown as [{ name: string; type: string }[]];
    const kinds = cols.map((c) => csvKindOf(c.type));
    assert.deepEqual(kinds, ['number', 'text', 'text', 'number', 'timestamp', 'number', 'number']);
    const [server] = (await conn.query({ sql: `SELECT ${csvLineSql(cols.map((c, i) => ({ sql: c.name, kind: kinds[i] })))} FROM csv_probe ORDER BY id`, rowsAsArray: true })) as unknown as [[string][]];
    const [client] = (await conn.query({ sql: 'SELECT * FROM csv_probe ORDER BY id', rowsAsArray: true })) as unknown as [SourceValue[][]];
    assert.equal(server.length, texts.length);
    for (let i = 0; i < texts.length; i++) assert.equal(server[i][0] + '\n', csvLine(client[i], kinds.map((k) => k === 'timestamp')), `row ${i + 1}: ${JSON.stringify(texts[i])}`);
  } finally {
    await conn.query('DROP TABLE IF EXISTS csv_probe');
    conn.release();
  }
});

test('the hand-written CSV reader reads back what the encoder writes, chunk boundaries anywhere', () => {
  const values = [['a,b', '"', '', null, '\\N', 'x\ny', '한'], ['1', null, 'plain', '', '""', 'a\r\nb', ' ']];
  const text = values.map((v) => csvLine(v, v.map(() => false))).join('');
  for (const size of [1, 2, 3, 7, text.length]) {
    const parser = new CsvRowParser();
    const rows = [];
    for (let i = 0; i < text.length; i += size) rows.push(...parser.push(text.slice(i, i + size)));
    rows.push(...parser.end());
    assert.deepEqual(rows, values, `chunks of ${size}`);
  }
});

test('a part whose bytes differ from its run record fails to read with one error naming the object', async () => {
  const lake = await ctx.lake();
  const run = (await latestRun(lake, 'products'))!;
  const record = await readRunRecord(lake, run);
  const part = record.parts[0];
  const original = Buffer.from(await (await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: part.key }))).Body!.transformToByteArray());
  const damaged = Buffer.from(original);
  damaged[damaged.length - 5] ^= 0xff; // inside gzip's trailer: still inflates, but the bytes are not the ones extracted
  await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: part.key, Body: damaged }));
  await assert.rejects(readPartRows(lake, part), (err: unknown) => {
    assert.ok(err instanceof OrderHeError);
    assert.match(err.message, new RegExp(`s3://${lake.bucket}/${part.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged`));
    return true;
  });
  await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: part.key, Body: original }));
  const { rows } = await readPartRows(lake, part);
  assert.equal(rows.length, part.rows);
});

test('a new source lineage gives every table a full run and resets the state', async () => {
  const lake = await ctx.lake();
  await pool.query(`UPDATE source_lineage SET lineage_id = 'L-test-2'`);
  const result = await extractTablesIntoLake(ctx);
  assert.equal(result.lineage, 'L-test-2');
  for (const t of result.tables) {
    assert.equal(t.kind, 'full', t.table);
    assert.equal(t.rows, await sourceCount(t.table), t.table);
    assert.equal((await readRunRecord(lake, t.prefix!)).lineage, 'L-test-2');
  }
  const state = (await readExtractState(lake))!;
  assert.equal(state.lineage, 'L-test-2');
  assert.equal(state.tables.orders!.lastRunId, result.runId);
});

test('an upload that fails midway leaves no manifest and no state change, and the next run succeeds', async () => {
  const dir = path.join(env.dataDir, 'lake-failing');
  let server = await startEmbeddedLakeServer(dir);
  const open = async (endpoint: string): Promise<Lake> => {
    const client = s3Client(ctx.config.lake, endpoint);
    return { client, bucket: ctx.config.lake.bucket, endpoint, close: async () => client.destroy() };
  };
  let lake = await open(server.endpoint);
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  await lake.client.send(new CreateBucketCommand({ Bucket: lake.bucket }));
  await pool.query(`UPDATE source_lineage SET lineage_id = 'L-test-fail'`);

  // The server goes away in the middle of order_items, after customers, products and orders are written.
  let stopped: Promise<void> | undefined;
  const failing: PipelineContext = { ...ctx, lake: async () => lake, progress: (_step, done) => { if (done > 3500) stopped ??= server.close(); } };
  await assert.rejects(extractTablesIntoLake(failing, { partBytes: 1 }), (err: unknown) => {
    assert.ok(err instanceof OrderHeError, 'one readable sentence');
    assert.match(err.message, /Cannot reach the lake/);
    return true;
  });
  await stopped;
  lake.client.destroy();

  server = await startEmbeddedLakeServer(dir);
  lake = await open(server.endpoint);
  try {
    assert.deepEqual(await listRuns(lake), [], 'no run is visible');
    assert.equal(await readExtractState(lake), null, 'the state did not move');
    const listed = await lake.client.send(new ListObjectsV2Command({ Bucket: lake.bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    assert.ok(keys.some((k) => k.startsWith('raw/orders/')), 'the failure came after some objects were written');
    assert.ok(!keys.some((k) => k.endsWith('manifest.json')), 'but none of them is a manifest');

    const ok = await extractTablesIntoLake({ ...ctx, lake: async () => lake }, { partBytes: 1 });
    const runs = await listRuns(lake);
    assert.deepEqual(runs.map((r) => r.table).sort(), [...SOURCE_TABLES].sort());
    assert.equal(ok.rows, (await Promise.all(SOURCE_TABLES.map(sourceCount))).reduce((a, b) => a + b, 0));
    assert.equal((await readExtractState(lake))?.lineage, 'L-test-fail');
  } finally {
    lake.client.destroy();
    await server.close();
  }
});

test('npm run lake -- runs lists the complete runs, oldest first, as JSON', async () => {
  const lake = await ctx.lake();
  const out = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/lake.ts'), 'runs', '--json'], { cwd: ROOT, env: env.env, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const listed = JSON.parse(out.stdout.trim().split('\n').pop()!) as { lineage: string; runs: { table: string; runId: string; rows: number }[] };
  const runs = await listRuns(lake);
  assert.deepEqual(listed.runs.map((r) => `${r.runId}/${r.table}`), runs.map((r) => `${r.runId}/${r.table}`));
  assert.equal(listed.lineage, (await readExtractState(lake))?.lineage);
  assert.deepEqual([...listed.runs].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)).map((r) => r.runId), listed.runs.map((r) => r.runId));
});

test('a full run of an empty table still writes its run: one header-only part, so the manifest is never empty', async () => {
  await pool.query('DELETE FROM payments');
  await pool.query(`UPDATE source_lineage SET lineage_id = 'L-test-empty'`);
  const result = await extractTablesIntoLake(ctx, { tables: ['payments'] });
  const payments = result.tables[0];
  assert.equal(payments.kind, 'full');
  assert.equal(payments.rows, 0);
  assert.equal(payments.parts, 1);
  const lake = await ctx.lake();
  const manifest = await readManifest(lake, payments.prefix!);
  assert.equal(manifest.entries.length, 1);
  assert.equal(manifest.entries[0].meta.record_count, 0);
  const record = await readRunRecord(lake, payments.prefix!);
  const { columns, rows } = await readPartRows(lake, record.parts[0]);
  assert.deepEqual(columns, record.columns.map((c) => c.name));
  assert.equal(rows.length, 0);
  assert.deepEqual(record.watermark, { from: null, to: null });
});
