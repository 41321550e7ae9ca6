/**
 * Damaged or missing lake objects, damaged for real in the embedded lake (through the S3 API, signed): the
 * warehouse step names the object, and the fix it prints, run as printed, loads the warehouse and keeps the shop's
 * size (the source is extracted again, never regenerated). Each test makes its own shop first.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ROOT, assertPlainFailure, runCli, testEnv } from './helpers';
import { listRuns, readManifest } from '../lib/lake/read';
import { createStagingTables, planWarehouseLoad } from '../lib/warehouse/staging-load';
import { OrderHeError } from '../lib/core/errors';

const t = testEnv('lake_recovery');
after(() => t.cleanup());

// Not the profile's default (1,000): a recovery that regenerated the shop would show.
const ORDERS = 2500;

async function count(sql: string, where: 'source' | 'warehouse'): Promise<number> {
  if (where === 'source') {
    const c = t.config.source;
    const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database });
    try {
      return Number(((await conn.query(sql))[0] as { n: number }[])[0].n);
    } finally {
      await conn.end();
    }
  }
  const w = t.config.warehouse;
  const client = new pg.Client({ host: w.host, port: w.port, user: w.user, password: w.password, database: w.database });
  await client.connect();
  try {
    return Number((await client.query(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** A new shop of ORDERS orders extracted into the lake, with nothing of it in the warehouse yet. */
function shopInLake(seed: number) {
  const r = runCli(t, 'pipeline.ts', ['--orders', String(ORDERS), '--seed', String(seed), '--until', 'lake']);
  assert.equal(r.code, 0, r.all);
}

/** Runs `fn` on the lake (the embedded server started in this process) and the orders run's first part key. */
async function withOrdersRun<T>(fn: (lake: Awaited<ReturnType<ReturnType<typeof t.open>['lake']>>, run: Awaited<ReturnType<typeof listRuns>>[number], partKey: string) => Promise<T>): Promise<T> {
  const ctx = t.open();
  try {
    const lake = await ctx.lake();
    const runs = await listRuns(lake, { table: 'orders' });
    const run = runs[runs.length - 1];
    const partKey = (await readManifest(lake, run)).entries[0].url.replace(/^s3:\/\/[^/]+\//, '');
    return await fn(lake, run, partKey);
  } finally {
    await ctx.close();
  }
}

/** The command the error's fix prints, run as printed; then the warehouse holds the whole shop, as large as before. */
function runTheFix(fix: string) {
  const m = /npm run pipeline -- (.+)$/.exec(fix);
  assert.ok(m, `the fix names a pipeline command: ${fix}`);
  const r = runCli(t, 'pipeline.ts', m[1].split(' '));
  assert.equal(r.code, 0, r.all);
}

async function assertWholeShopLoaded() {
  assert.equal(await count('SELECT COUNT(*) AS n FROM orders', 'source'), ORDERS, 'the source kept its size');
  assert.equal(await count('SELECT COUNT(*) AS n FROM core.fct_orders', 'warehouse'), ORDERS);
  assert.equal(await count('SELECT COUNT(DISTINCT order_id) AS n FROM core.fct_orders', 'warehouse'), ORDERS);
}

const fixOf = (stderr: string) => /Fix: (.+)/.exec(stderr)?.[1]?.trim() ?? '';

test('16 flipped bytes inside a part stop the warehouse load with a checksum mismatch naming the part, and the printed fix re-extracts that table without regenerating the shop', { timeout: 180_000 }, async () => {
  shopInLake(21);
  const partKey = await withOrdersRun(async (lake, _run, key) => {
    const body = Buffer.from(await (await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: key }))).Body!.transformToByteArray());
    const at = Math.floor(body.length / 2);
    for (let i = at; i < at + 16; i++) body[i] ^= 0xff;
    await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: key, Body: body }));
    return key;
  });
  const r = runCli(t, 'pipeline.ts', ['--from', 'warehouse']);
  assertPlainFailure(r, new RegExp(`The lake part s3://${t.config.lake.bucket}/${partKey.replace(/[.]/g, '\\.')} is damaged: its sha256 is [0-9a-f]{12}… \\(\\d+ bytes\\), but its run record says [0-9a-f]{12}…`));
  assert.match(fixOf(r.err), /--from lake --full-extract orders$/);
  runTheFix(fixOf(r.err));
  await assertWholeShopLoaded();
});

test('a deleted manifest is named before any COPY, and the printed fix re-extracts that table without regenerating the shop', { timeout: 180_000 }, async () => {
  shopInLake(22);
  const manifestKey = await withOrdersRun(async (lake, run) => {
    await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: run.manifestKey }));
    return run.manifestKey;
  });
  // Planning, which runs before the load's first COPY, already refuses.
  const ctx = t.open();
  try {
    const db = await ctx.warehouse();
    await createStagingTables(db, ROOT);
    await assert.rejects(planWarehouseLoad(await ctx.lake(), db), (err: unknown) => {
      assert.ok(err instanceof OrderHeError && err.message.includes(`s3://${t.config.lake.bucket}/${manifestKey}`), String(err));
      return true;
    });
  } finally {
    await ctx.close();
  }
  const r = runCli(t, 'pipeline.ts', ['--from', 'warehouse']);
  assertPlainFailure(r, new RegExp(`The manifest s3://${t.config.lake.bucket}/${manifestKey.replace(/[.]/g, '\\.')} of orders run \\S+ is missing`));
  runTheFix(fixOf(r.err));
  await assertWholeShopLoaded();
});

test('a deleted part stops the load naming the part, and the printed fix re-extracts that table without regenerating the shop', { timeout: 180_000 }, async () => {
  shopInLake(23);
  const partKey = await withOrdersRun(async (lake, _run, key) => {
    await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: key }));
    return key;
  });
  const r = runCli(t, 'pipeline.ts', ['--from', 'warehouse']);
  assertPlainFailure(r, new RegExp(`The lake part s3://${t.config.lake.bucket}/${partKey.replace(/[.]/g, '\\.')} is missing`));
  runTheFix(fixOf(r.err));
  await assertWholeShopLoaded();
});
