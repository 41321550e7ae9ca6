/**
 * The embedded warehouse (PGlite, PostgreSQL in WebAssembly) behind the same Warehouse interface as the pg driver,
 * and the embedded profile's warehouse load end to end: generate → MariaDB → embedded lake → PGlite staging.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { testEnv } from './helpers';
import type { PipelineContext } from '../lib/core/context';
import { OrderHeError } from '../lib/core/errors';
import { openPglite, csvBlobs } from '../lib/warehouse/pglite';
import type { Warehouse } from '../lib/warehouse/adapter';
import { generateShop } from '../lib/pipeline';
import { loadShopIntoSource } from '../lib/source/load';
import { extractTablesIntoLake } from '../lib/lake/extract';
import { loadLakeIntoStaging, stagingCounts } from '../lib/warehouse/staging-load';
import { buildCore } from '../lib/warehouse/core-merge';

const env = testEnv('pglite', 'embedded');
// The driver tests use their own folder: two PGlite instances must never share one.
const unitCfg = { ...env.config.warehouse, dir: path.join(env.dataDir, 'pglite-unit') };
let db: Warehouse;

before(async () => {
  db = await openPglite(unitCfg, { create: true, copyChunkBytes: 256 });
  await db.exec('CREATE TABLE t (id BIGINT NOT NULL, label TEXT, amount NUMERIC(12,2), at TIMESTAMPTZ)');
});

after(async () => {
  await db?.close();
  await env.cleanup();
});

const rowsCsv = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `${from + i},"label ${from + i}, with ""quotes""\nand a line break",${(from + i) * 1.25},2026-01-01 00:00:00.${String(i % 1000).padStart(3, '0')}+00\n`).join('');
const header = 'id,label,amount,at\n';

async function collect(csv: string, size: number, pieces: number) {
  // The source hands over small uneven pieces, so record boundaries fall anywhere inside them.
  const chunks: Buffer[] = [];
  for (let i = 0; i < csv.length; i += pieces) chunks.push(Buffer.from(csv.slice(i, i + pieces)));
  const out: string[] = [];
  for await (const blob of csvBlobs(Readable.from(chunks), size)) out.push(await blob.text());
  return out;
}

test('csvBlobs cuts a CSV stream only at line ends outside quotes, and loses no byte', async () => {
  const csv = header + rowsCsv(50);
  const blobs = await collect(csv, 200, 37);
  assert.ok(blobs.length > 5, 'several blobs');
  assert.equal(blobs.join(''), csv);
  for (const b of blobs) {
    assert.ok(b.endsWith('\n'), 'each blob ends a line');
    assert.equal((b.match(/"/g) ?? []).length % 2, 0, 'no blob ends inside a quoted field');
  }
});

test('PGlite opens only an existing warehouse unless asked to create it', async () => {
  const missing = { ...unitCfg, dir: path.join(env.dataDir, 'no-such-warehouse') };
  await assert.rejects(openPglite(missing), (err: unknown) => err instanceof OrderHeError && /does not exist yet/.test(err.message) && /--until warehouse/.test(err.fix ?? ''));
});

test('a CSV stream is COPYed through many blobs with one header, values exact, and the row count returned', async () => {
  const n = await db.copyCsvFromStream('public.t', ['id', 'label', 'amount', 'at'], Readable.from([header + rowsCsv(120)]));
  assert.equal(n, 120);
  const rows = await db.query<{ id: string; label: string; amount: string; at: Date; n: string }>('SELECT id, label, amount, at, (SELECT COUNT(*) FROM t) AS n FROM t WHERE id = $1', [7]);
  // The same JavaScript types as the pg driver: BIGINT and NUMERIC stay exact strings.
  assert.deepEqual(rows, [{ id: '7', label: 'label 7, with "quotes"\nand a line break', amount: '8.75', at: new Date('2026-01-01T00:00:00.006Z'), n: '120' }]);
});

test('a stream failing halfway leaves none of its rows, and PGlite still answers', async () => {
  async function* halfway() {
    yield header + rowsCsv(40, 1000);
    throw new Error('the lake connection dropped');
  }
  await assert.rejects(db.copyCsvFromStream('public.t', ['id', 'label', 'amount', 'at'], Readable.from(halfway())), /the lake connection dropped/);
  assert.deepEqual(await db.query('SELECT COUNT(*)::int AS n FROM t WHERE id >= 1000'), [{ n: 0 }]);
});

test('a transaction that throws rolls back everything it did, COPY included', async () => {
  await assert.rejects(db.transaction(async (tx) => {
    await tx.query('DELETE FROM t');
    await tx.copyCsvFromStream('public.t', ['id', 'label', 'amount', 'at'], Readable.from([header + rowsCsv(3, 5000)]));
    throw new Error('changed my mind');
  }), /changed my mind/);
  assert.deepEqual(await db.query('SELECT COUNT(*)::int AS n FROM t'), [{ n: 120 }]);
});

test('the embedded profile loads the lake into PGlite staging, each count equal to its manifest', { timeout: 300_000 }, async () => {
  const ctx: PipelineContext = env.open();
  try {
    const options = { orders: 600, seed: 21, locale: 'en' as const };
    await generateShop(ctx, options);
    await loadShopIntoSource(ctx, options);
    await extractTablesIntoLake(ctx, { partBytes: 16 * 1024 });
    const warehouse = await ctx.warehouse();
    assert.equal(warehouse.driver, 'pglite');
    const result = await loadLakeIntoStaging(ctx);
    const counts = await stagingCounts(warehouse);
    for (const c of counts) {
      assert.ok(c.staged > 0, `${c.table} has rows`);
      assert.equal(c.staged, c.manifest, `${c.table}: staging equals the manifest`);
    }
    assert.equal(result.rows, counts.reduce((n, c) => n + c.staged, 0));
    await buildCore(ctx);
    assert.equal((await loadLakeIntoStaging(ctx)).rows, 0, 'a rerun with nothing new loads nothing');
  } finally {
    await ctx.close();
  }
});
