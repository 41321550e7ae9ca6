/**
 * Redshift's COPY ... MANIFEST, generated from a lake run: the SQL exactly, the refusal of anything that could
 * smuggle SQL in, the original project's "Access Denied" turned into its fix, and the least-privilege IAM policies.
 * The integration test runs only with real AWS settings (the aws profile's variables) and says it skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import { ROOT, testEnv } from './helpers';
import { OrderHeError } from '../lib/core/errors';
import { loadConfig } from '../lib/core/config';
import { type PipelineContext } from '../lib/core/context';
import { openPipeline } from '../lib/pipeline';
import type { Warehouse } from '../lib/warehouse/adapter';
import { generateShop } from '../lib/pipeline';
import { loadShopIntoSource } from '../lib/source/load';
import { extractTablesIntoLake } from '../lib/lake/extract';
import { listRuns, readManifest, readRunObjects, type LakeHandle } from '../lib/lake/read';
import { SOURCE_TABLES, type SourceTable } from '../lib/lake/format';
import { TABLES } from '../lib/core/tables';
import { redshiftCopySql, redshiftCopyErrorFor, checkIamRole, redshiftAccessProbeSql, redshiftWarehouse, REDSHIFT_CAPABILITIES } from '../lib/warehouse/redshift';
import type { PgPoolLike } from '../lib/warehouse/pg-connection';
import { loadLakeIntoStaging, stagingCounts } from '../lib/warehouse/staging-load';

const input = {
  table: 'staging.orders',
  columns: ['order_id', 'customer_id', 'status'],
  bucket: 'orderhe-lake',
  manifestKey: 'raw/orders/load_date=2026-11-24/run=20261124T133501123Z-9f3a/manifest.json',
  iamRole: 'arn:aws:iam::123456789012:role/orderhe-redshift-copy',
  region: 'eu-west-1',
};

test('the Redshift COPY for a run reads its manifest with the IAM role, in the lake\'s CSV dialect', () => {
  assert.equal(redshiftCopySql(input), [
    'COPY "staging"."orders" ("order_id", "customer_id", "status")',
    "FROM 's3://orderhe-lake/raw/orders/load_date=2026-11-24/run=20261124T133501123Z-9f3a/manifest.json'",
    "IAM_ROLE 'arn:aws:iam::123456789012:role/orderhe-redshift-copy'",
    "FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 TIMEFORMAT 'auto'",
    "REGION 'eu-west-1'",
    'COMPUPDATE OFF STATUPDATE OFF',
  ].join('\n'));
  // No NULL AS: Redshift's documented default null string is \N, the lake's; a '\N' literal's backslash is what its docs leave open.
  assert.doesNotMatch(redshiftCopySql(input), /NULL AS/);
});

test('nothing that could close a quote reaches the COPY: role, region, key, bucket and names are checked', () => {
  const bad: Partial<typeof input>[] = [
    { iamRole: "arn:aws:iam::123456789012:role/x' CREDENTIALS 'y" },
    { iamRole: '' },
    { region: "eu-west-1' --" },
    { manifestKey: "raw/orders/load_date=2026-11-24/run=x'/manifest.json" },
    { manifestKey: 'state/extract.json' },
    { bucket: "orderhe-lake'" },
    { columns: ['order_id"; DROP TABLE x; --'] },
    { table: 'staging.orders;x' },
    { table: 'staging.orders.x' },
  ];
  for (const b of bad) assert.throws(() => redshiftCopySql({ ...input, ...b }), OrderHeError, JSON.stringify(b));
  assert.match(redshiftCopySql({ ...input, iamRole: 'arn:aws-cn:iam::123456789012:role/service-role/copy' }), /IAM_ROLE 'arn:aws-cn:iam::123456789012:role\/service-role\/copy'/);
});

test('an empty IAM role is one sentence saying which variable to set', () => {
  assert.throws(() => checkIamRole(''), (err: unknown) => err instanceof OrderHeError && /REDSHIFT_IAM_ROLE/.test(err.fix ?? ''));
});

test('Redshift\'s "Access Denied" on COPY becomes the original project\'s key issue 2, with the policy file to attach', () => {
  const where = { bucket: input.bucket, manifestKey: input.manifestKey, iamRole: input.iamRole };
  const raw = Object.assign(new Error("S3ServiceException:Access Denied,Status 403,Error AccessDenied,Rid 1A2B,ExtRid x,CanRetry 1\nDetails: error: S3ServiceException:Access Denied"), { code: 'XX000' });
  const err = redshiftCopyErrorFor(raw, where);
  assert.ok(err instanceof OrderHeError);
  assert.match(err.message, /could not read s3:\/\/orderhe-lake\/raw\/orders\/.*manifest\.json: S3 denied access to the IAM role arn:aws:iam::123456789012:role\/orderhe-redshift-copy \(the original project's key issue 2\)/);
  assert.match(err.fix ?? '', /config\/iam\/redshift-copy-role-policy\.json/);
  assert.match(err.fix ?? '', /npm run doctor/);
  const assume = redshiftCopyErrorFor(new Error('User arn:aws:redshift:... is not authorized to assume IAM Role arn:aws:iam::123456789012:role/x'), where);
  assert.match(assume.message, /cannot use the IAM role/);
  const other = new Error('column "x" does not exist');
  assert.equal(redshiftCopyErrorFor(other, where), other, 'other errors pass through unchanged');
});

test('the IAM policies grant only what the pipeline and Redshift COPY need, on the lake bucket only', () => {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'config/iam', f), 'utf8')) as { Statement: { Effect: string; Action: string | string[]; Resource?: string | string[] }[] };
  const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);
  const copy = read('redshift-copy-role-policy.json');
  const copyActions = copy.Statement.flatMap((s) => list(s.Action)).sort();
  assert.deepEqual(copyActions, ['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
  const user = read('pipeline-user-policy.json');
  for (const s of [...copy.Statement, ...user.Statement]) {
    assert.equal(s.Effect, 'Allow');
    for (const a of list(s.Action)) assert.ok(a.startsWith('s3:') && !a.includes('*'), `no wildcard action: ${a}`);
    for (const r of list(s.Resource)) assert.match(r, /^arn:aws:s3:::orderhe-lake(\/(raw|state|_doctor)\/\*)?$/);
  }
  const trust = read('redshift-copy-role-trust.json');
  assert.deepEqual(list(trust.Statement[0].Action), ['sts:AssumeRole']);
});

/** The AWS-only cases run with the aws profile and its settings; elsewhere they skip, saying what is missing. */
function skipWithoutAws(t: { skip(message: string): void }): boolean {
  const needed = ['PGHOST', 'PGPASSWORD', 'REDSHIFT_IAM_ROLE', 'LAKE_BUCKET', 'MYSQL_HOST', 'MYSQL_PASSWORD'];
  const missing = needed.filter((v) => !process.env[v]);
  if (process.env.ORDERHE_PROFILE === 'aws' && missing.length === 0) return false;
  t.skip(`needs ORDERHE_PROFILE=aws and ${missing.length ? missing.join(', ') : 'the aws profile'} set: no real AWS here`);
  return true;
}

test('on a real Redshift with a real lake, the load COPYs each run through its manifest (only with AWS settings)', async (t) => {
  if (skipWithoutAws(t)) return;
  // Loads the lake's pending runs of the configured (real) bucket into the workgroup's staging, then checks the counts.
  const ctx = openPipeline({ config: loadConfig({ profile: 'aws', projectRoot: ROOT }) });
  try {
    await loadLakeIntoStaging(ctx);
    for (const c of await stagingCounts(await ctx.warehouse())) assert.equal(c.staged, c.manifest, `${c.table}: staging equals the manifests`);
  } finally {
    await ctx.close();
  }
});

/**
 * Every field of the staged rows of `table` beside the same field in the lake runs staging holds: NULL must stay NULL
 * (never the text \N, never a failed typed column), "" must stay "", timestamps the same instant, numbers the same
 * digits. Returns the differences (at most 20), the rows compared and the NULLs seen per column.
 */
async function compareStagingWithLake(db: Warehouse, lake: LakeHandle, table: SourceTable) {
  const spec = TABLES[table];
  const runs = await db.query<{ run_id: string }>('SELECT run_id FROM staging.pending_runs WHERE table_name = $1', [table]);
  const lakeRows = new Map<string, Record<string, string | null>>();
  for (const run of (await listRuns(lake, { table })).filter((r) => runs.some((p) => p.run_id === r.runId))) {
    for (const row of await readRunObjects(lake, run)) lakeRows.set(String(row[spec.key]), row);
  }
  const staged = await db.query<Record<string, unknown>>(`SELECT * FROM staging.${table} ORDER BY ${spec.key}`);
  const differences: string[] = [];
  const nulls: Record<string, number> = {};
  for (const got of staged) {
    const want = lakeRows.get(String(got[spec.key]));
    if (!want) { differences.push(`${table} ${got[spec.key]}: staged but in no pending lake run`); continue; }
    for (const c of spec.columns) {
      const w = want[c.name];
      const g = got[c.name];
      if (g === null) nulls[c.name] = (nulls[c.name] ?? 0) + 1;
      const same = w === null || g === null ? w === g
        : c.kind === 'timestamp' ? g instanceof Date && g.getTime() === Date.parse(w.replace(' ', 'T').replace(/\+00$/, 'Z'))
        : String(g) === w;
      if (!same && differences.length < 20) differences.push(`${table} ${got[spec.key]}.${c.name}: lake ${JSON.stringify(w)}, staging ${JSON.stringify(g)}`);
    }
  }
  return { rows: staged.length, lakeRows: lakeRows.size, nulls, differences };
}

test('the field-by-field check of staging against the lake passes on PostgreSQL, NULL paid_at included (what the Redshift case runs)', async () => {
  const env = testEnv('rsnulls');
  const ctx = env.open();
  try {
    const options = { orders: 300, seed: 11, locale: 'ko' as const };
    await generateShop(ctx, options);
    await loadShopIntoSource(ctx, options);
    await extractTablesIntoLake(ctx);
    await loadLakeIntoStaging(ctx);
    const got = await compareStagingWithLake(await ctx.warehouse(), await ctx.lake(), 'payments');
    assert.deepEqual(got.differences, []);
    assert.equal(got.rows, got.lakeRows);
    assert.ok((got.nulls.paid_at ?? 0) > 0, 'the shop has unpaid payments, so NULL paid_at is really tested');
    const customers = await compareStagingWithLake(await ctx.warehouse(), await ctx.lake(), 'customers');
    assert.deepEqual(customers.differences, [], 'Korean names and cities arrive intact');
  } finally {
    await ctx.close();
    await env.cleanup();
  }
});

test('on a real Redshift, a COPY of payments keeps NULL paid_at NULL, field by field against the lake (only with AWS settings)', async (t) => {
  if (skipWithoutAws(t)) return;
  // Reads the lake the release check filled (npm run pipeline -- --profile aws --orders 1000): COPY its pending runs
  // into Redshift's staging through the manifests, then compare every payments field with the lake's CSV.
  const ctx = openPipeline({ config: loadConfig({ profile: 'aws', projectRoot: ROOT }) });
  try {
    await loadLakeIntoStaging(ctx);
    const got = await compareStagingWithLake(await ctx.warehouse(), await ctx.lake(), 'payments');
    assert.deepEqual(got.differences, [], 'Redshift read every field as PostgreSQL does');
    assert.equal(got.rows, got.lakeRows);
    assert.ok((got.nulls.paid_at ?? 0) > 0, 'no NULL paid_at in the lake: run the release check\'s 1,000-order pipeline first');
  } finally {
    await ctx.close();
  }
});

/**
 * The load's Redshift path: the real Redshift adapter over a pg pool that records statements instead of sending them
 * (no Redshift here), against a real lake: what matters is which COPYs it sends, what it compares, and what it refuses.
 */
function recordingRedshift(answer: (sql: string) => unknown[] | Error, iamRole: string): Warehouse & { sql: string[] } {
  const sql: string[] = [];
  const query = async (text: string) => { sql.push(text); const a = answer(text); if (a instanceof Error) throw a; return { rows: a }; };
  const pool = { query, connect: async () => ({ query, release() {} }), end: async () => {} } as unknown as PgPoolLike;
  return Object.assign(redshiftWarehouse(pool, 'recording', iamRole), { sql });
}

test('on Redshift the load sends one COPY ... MANIFEST per run, empties staging with DELETE, and checks pg_last_copy_count', async () => {
  const env = testEnv('rsload');
  const ctx = env.open();
  try {
    const options = { orders: 300, seed: 4, locale: 'en' as const };
    await generateShop(ctx, options);
    await loadShopIntoSource(ctx, options);
    await extractTablesIntoLake(ctx);
    const lake = await ctx.lake();
    const iamRole = 'arn:aws:iam::123456789012:role/orderhe-redshift-copy';
    const rsCtx = (db: Warehouse): PipelineContext => ({ ...ctx, warehouse: async () => db });
    const expected = new Map<string, number>();
    for (const table of SOURCE_TABLES) {
      const [run] = await listRuns(lake, { table });
      expected.set(run.manifestKey, (await readManifest(lake, run)).entries.reduce((n, e) => n + e.meta.record_count, 0));
    }
    let lastKey = '';
    const ok = recordingRedshift((sql) => {
      const m = /FROM 's3:\/\/[^/]+\/(.*manifest\.json)'/.exec(sql);
      if (m) lastKey = m[1];
      if (sql.startsWith('SELECT pg_last_copy_count()')) return [{ n: String(expected.get(lastKey)) }];
      return [];
    }, iamRole);
    const result = await loadLakeIntoStaging(rsCtx(ok));
    const copies = ok.sql.filter((s) => s.startsWith('COPY '));
    assert.equal(copies.length, SOURCE_TABLES.length, 'one COPY per run');
    for (const key of expected.keys()) assert.ok(copies.some((c) => c.includes(`s3://${lake.bucket}/${key}'`) && c.includes(`IAM_ROLE '${iamRole}'`)), key);
    assert.ok(ok.sql.some((s) => s === 'DELETE FROM "staging"."orders"'), 'DELETE: TRUNCATE would commit the transaction on Redshift');
    assert.ok(!ok.sql.some((s) => /^TRUNCATE/i.test(s)));
    assert.equal(result.rows, [...expected.values()].reduce((a, b) => a + b, 0));

    const short = recordingRedshift((sql) => (sql.startsWith('SELECT pg_last_copy_count()') ? [{ n: '1' }] : []), iamRole);
    await assert.rejects(loadLakeIntoStaging(rsCtx(short)), /COPY loaded 1 rows, but its manifest says \d+/);

    const denied = recordingRedshift((sql) => (sql.startsWith('COPY ') ? new Error('S3ServiceException:Access Denied,Status 403,Error AccessDenied') : []), iamRole);
    await assert.rejects(loadLakeIntoStaging(rsCtx(denied)), (err: unknown) => err instanceof OrderHeError && /key issue 2/.test(err.message) && /redshift-copy-role-policy\.json/.test(err.fix ?? ''));
  } finally {
    await ctx.close();
    await env.cleanup();
  }
});

test('doctor\'s probe COPYs a run with NOLOAD into a temporary text table, or lists raw/ when the lake is empty', () => {
  const base = { bucket: input.bucket, iamRole: input.iamRole, region: input.region };
  assert.deepEqual(redshiftAccessProbeSql({ ...base, run: { manifestKey: input.manifestKey, columns: ['order_id', 'status'] } }), [
    'CREATE TEMP TABLE orderhe_copy_probe ("order_id" VARCHAR(65535), "status" VARCHAR(65535))',
    `COPY orderhe_copy_probe FROM 's3://orderhe-lake/${input.manifestKey}' IAM_ROLE '${input.iamRole}' REGION 'eu-west-1' FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 NOLOAD`,
    'DROP TABLE orderhe_copy_probe',
  ]);
  assert.match(redshiftAccessProbeSql(base)[1], /^COPY orderhe_copy_probe FROM 's3:\/\/orderhe-lake\/raw\/orderhe-doctor-probe-' IAM_ROLE .* NOLOAD$/);
  assert.throws(() => redshiftAccessProbeSql({ ...base, iamRole: "x' --" }), OrderHeError);
});

test('the Redshift adapter declares what Redshift does differently: COPY ... MANIFEST, DELETE not TRUNCATE, no UNLOGGED, no work_mem, no ANALYZE, no CREATE DATABASE, no COPY to the client', () => {
  assert.deepEqual(REDSHIFT_CAPABILITIES, {
    lakeLoad: 'copy manifest', transactionalTruncate: false, unloggedTables: false, sortMemory: null,
    analyzeAfterLoad: false, createsDatabase: false, comments: true, runLock: 'session row',
    concurrentSessions: 2, csvExport: 'paged select',
  });
});

test('a read-only exploration on Redshift asks for READ ONLY in BEGIN itself, and streaming CSV into it is refused with the way that works', async () => {
  const iamRole = input.iamRole;
  const db = recordingRedshift(() => [], iamRole);
  await db.transaction((tx) => tx.query('SELECT 1'), { readOnly: true });
  assert.deepEqual(db.sql, ['BEGIN READ ONLY', 'SELECT 1', 'COMMIT']);
  await assert.rejects(db.copyCsvFromStream('staging.orders', ['order_id'], Readable.from(['order_id\n1\n'])),
    (err: unknown) => err instanceof OrderHeError && /COPY FROM STDIN/.test(err.message) && /copyRunFromManifest/.test(err.fix ?? ''));
});

test('the Redshift adapter COPYs a run with the IAM role it was opened with, then reads pg_last_copy_count', async () => {
  const db = recordingRedshift((sql) => (sql.startsWith('SELECT pg_last_copy_count()') ? [{ n: '42' }] : []), input.iamRole);
  const n = await db.copyRunFromManifest({ table: input.table, columns: input.columns, bucket: input.bucket, region: input.region, manifestKey: input.manifestKey });
  assert.equal(n, 42);
  assert.deepEqual(db.sql, [redshiftCopySql(input), 'SELECT pg_last_copy_count() AS n']);
});
