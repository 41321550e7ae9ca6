/**
 * The dialect guard (test/dialect-guard.ts) over what really gets sent: a 300-order shop runs through the source,
 * the lake, a Redshift-flavoured warehouse and the mart, and every statement is recorded on its way out.
 * - Source: every statement any mysql2 connection sends (DDL, LOAD DATA, the extract) is read as MySQL 8 SQL.
 * - Warehouse: the Redshift adapter (its capabilities, its transactions) over this machine's PostgreSQL, so the
 *   merge and the mart really run and every statement they send is the one Redshift would get; its staging load
 *   (COPY ... MANIFEST) is recorded against a recorder, since PostgreSQL cannot read S3.
 * Then the guard must refuse what Redshift refuses: CURRENT_TIMESTAMP planted in a merge, pg_roles, DISTINCT ON.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, testEnv } from './helpers';
import type { PipelineContext } from '../lib/core/context';
import type { Warehouse } from '../lib/warehouse/adapter';
import { openPgPool, type PgPoolLike } from '../lib/warehouse/pg-connection';
import { redshiftAccessProbeSql, redshiftWarehouse } from '../lib/warehouse/redshift';
import { generateShop } from '../lib/pipeline';
import { loadShopIntoSource } from '../lib/source/load';
import { extractTablesIntoLake } from '../lib/lake/extract';
import { listRuns, readManifest } from '../lib/lake/read';
import { SOURCE_TABLES } from '../lib/lake/format';
import { loadLakeIntoStaging } from '../lib/warehouse/staging-load';
import { buildCore } from '../lib/warehouse/core-merge';
import { buildMart } from '../lib/mart/build';
import { listMartTables, queryMart } from '../lib/mart/query';
import { checkWarehouseQuality } from '../lib/quality/checks';
import { writeDashboard } from '../lib/charts/dashboard';
import {
  MYSQL_PARSER_GAPS, REDSHIFT_LEADER_NODE_ONLY, REDSHIFT_PARSER_GAPS, checkMysqlStatement, checkRedshiftStatement, dialectProblems, splitStatements,
} from './dialect-guard';

const env = testEnv('dialect');
let ctx: PipelineContext;
const IAM_ROLE = 'arn:aws:iam::123456789012:role/orderhe-redshift-copy';
const sentToSource: string[] = [];
const sentToRedshift: string[] = [];

/** Records every statement any mysql2 connection (pooled or not, promise or callback) sends, as written. */
function recordMysqlStatements(into: string[]): () => void {
  const BaseConnection = createRequire(path.join(ROOT, 'package.json'))(path.join(ROOT, 'node_modules/mysql2/lib/base/connection.js'));
  const proto = BaseConnection.prototype as Record<'query' | 'execute', (sql: unknown, ...rest: unknown[]) => unknown>;
  const originals = { query: proto.query, execute: proto.execute };
  for (const method of ['query', 'execute'] as const) {
    proto[method] = function (this: unknown, sql: unknown, ...rest: unknown[]) {
      const text = typeof sql === 'string' ? sql : (sql as { sql?: unknown })?.sql;
      if (typeof text === 'string') into.push(text);
      return originals[method].call(this, sql, ...rest);
    };
  }
  return () => Object.assign(proto, originals);
}

/** A pg pool that records each statement, then sends it to `real` (or answers it itself, when `answer` returns rows). */
function recordingPool(into: string[], real: PgPoolLike | null, answer: (sql: string) => unknown[] | null = () => null): PgPoolLike {
  const via = (q: PgPoolLike['query'] | null) => async (text: string, params?: unknown[]) => {
    into.push(text);
    const rows = answer(text);
    if (rows || !q) return { rows: rows ?? [], rowCount: rows?.length ?? 0 };
    return q(text, params);
  };
  return {
    query: via(real ? real.query.bind(real) : null),
    connect: async () => {
      const client = real ? await real.connect() : null;
      return { query: via(client ? client.query.bind(client) : null), release: () => client?.release() };
    },
    end: async () => { await real?.end(); },
  } as unknown as PgPoolLike;
}

before(async () => {
  ctx = env.open();
  const options = { orders: 300, seed: 8, locale: 'ko' as const };
  const stopRecording = recordMysqlStatements(sentToSource);
  try {
    await generateShop(ctx, options);
    await loadShopIntoSource(ctx, options);
    await extractTablesIntoLake(ctx);
  } finally {
    stopRecording();
  }
  const lake = await ctx.lake();
  const asRedshift = (db: Warehouse): PipelineContext => ({ ...ctx, warehouse: async () => db });

  // The Redshift staging load, against a recorder: COPY ... MANIFEST per run, pg_last_copy_count answered from the manifest.
  const counts = new Map<string, number>();
  for (const table of SOURCE_TABLES) {
    for (const run of await listRuns(lake, { table })) counts.set(run.manifestKey, (await readManifest(lake, run)).entries.reduce((n, e) => n + e.meta.record_count, 0));
  }
  let lastKey = '';
  await loadLakeIntoStaging(asRedshift(redshiftWarehouse(recordingPool(sentToRedshift, null, (sql) => {
    const m = /FROM 's3:\/\/[^/]+\/(.*manifest\.json)'/.exec(sql);
    if (m) lastKey = m[1];
    return sql.startsWith('SELECT pg_last_copy_count()') ? [{ n: String(counts.get(lastKey)) }] : null;
  }), 'recording', IAM_ROLE)));

  // Staging really loaded (PostgreSQL's COPY FROM STDIN), then the Redshift adapter merges, builds and explores for real.
  await loadLakeIntoStaging(ctx);
  const real = await openPgPool(env.config.warehouse, { tls: false });
  const redshift = redshiftWarehouse(recordingPool(sentToRedshift, real), 'Redshift-flavoured PostgreSQL', IAM_ROLE);
  const rs = asRedshift(redshift);
  try {
    await buildCore(rs);
    await buildMart(rs);
    await checkWarehouseQuality(rs);
    await listMartTables(rs);
    await queryMart(rs, 'SELECT order_date, revenue FROM mart.daily_sales ORDER BY order_date LIMIT 5');
    await writeDashboard(rs);
  } finally {
    await redshift.close();
  }
  // What the doctor and reset send on the aws profile (no Redshift here to run them against).
  sentToRedshift.push('SELECT version() AS v', ...redshiftAccessProbeSql({ bucket: 'orderhe-lake', iamRole: IAM_ROLE, region: 'eu-west-1', run: { manifestKey: 'raw/orders/load_date=2026-11-24/run=20261124T133501123Z-9f3a/manifest.json', columns: ['order_id', 'status'] } }));
  sentToRedshift.push('DROP SCHEMA IF EXISTS mart CASCADE');
});

after(async () => {
  await ctx.close();
  await env.cleanup();
});

const show = (rs: { statement: string; problems: string[] }[]) => rs.map((r) => `${r.problems.join('; ')}\n    in: ${r.statement.replace(/\s+/g, ' ').slice(0, 200)}`);

test('every statement the Redshift adapter sends to load, merge, test, build the mart, explore and draw reads as Redshift SQL', () => {
  const statements = sentToRedshift.flatMap(splitStatements);
  assert.ok(statements.length > 100, `recorded ${statements.length} statements`);
  for (const kind of [/^COPY .* FROM 's3:/s, /^DELETE FROM "staging"/, /^INSERT INTO core\.fct_orders/, /^CREATE TABLE "mart_build"\./, /^BEGIN READ ONLY$/, /^COMMENT ON /, /^LOCK TABLE/]) {
    assert.ok(statements.some((s) => kind.test(s)), `the recording holds ${kind}`);
  }
  // The times the pipeline writes are bound values, not CURRENT_TIMESTAMP (leader-node only on Redshift).
  for (const table of ['core.loaded_runs', 'core.test_results']) {
    assert.ok(statements.some((s) => s.startsWith(`INSERT INTO ${table}`) && /CAST\(\$1 AS TIMESTAMPTZ\)/.test(s)), `${table} gets its time as $1`);
  }
  assert.deepEqual(show(dialectProblems(sentToRedshift, 'redshift')), []);
});

test('every statement the source receives (its DDL, the bulk load, the extract) reads as MySQL 8 SQL', () => {
  const statements = sentToSource.flatMap(splitStatements);
  for (const kind of [/^CREATE TABLE IF NOT EXISTS customers/, /^LOAD DATA LOCAL INFILE/, /^SELECT CONCAT_WS/, /^SET time_zone = '\+00:00'$/, /^START TRANSACTION WITH CONSISTENT SNAPSHOT/]) {
    assert.ok(statements.some((s) => kind.test(s)), `the recording holds ${kind}`);
  }
  assert.deepEqual(show(dialectProblems(sentToSource, 'mysql')), []);
});

test('the guard refuses CURRENT_TIMESTAMP planted in a core merge, a pg_roles query and DISTINCT ON, and lets GETDATE() through', () => {
  const merge = fs.readFileSync(path.join(ROOT, 'sql/warehouse/core/merge/06_fct_payments.sql'), 'utf8');
  assert.deepEqual(dialectProblems([merge], 'redshift'), [], 'the shipped merge passes');
  const planted = merge.replace('p.created_at, p.updated_at', 'p.created_at, CURRENT_TIMESTAMP');
  assert.notEqual(planted, merge);
  assert.match(show(dialectProblems([planted], 'redshift')).join('\n'), /CURRENT_TIMESTAMP runs on Redshift's leader node only/);
  assert.match(show(dialectProblems([merge.replace('p.created_at, p.updated_at', 'p.created_at, NOW()')], 'redshift')).join('\n'), /NOW runs on Redshift's leader node only/);
  // The shape of the PostgreSQL adapter's doctor query: fine there, refused here, which is why the Redshift adapter's
  // check asks only version(). (Its bare current_user is outside the parser's grammar, hence $1.)
  assert.match(show(dialectProblems(['SELECT rolcreatedb, rolsuper FROM pg_roles WHERE rolname = $1'], 'redshift')).join('\n'), /pg_roles does not exist on Redshift/);
  assert.match(show(dialectProblems(['SELECT DISTINCT ON (customer_id) customer_id, updated_at FROM staging.customers ORDER BY customer_id, updated_at DESC'], 'redshift')).join('\n'), /DISTINCT ON is PostgreSQL-only/);
  assert.match(show(dialectProblems(['INSERT INTO core.dim_date (date_key) SELECT generate_series(1, 10)'], 'redshift')).join('\n'), /GENERATE_SERIES runs on Redshift's leader node only/);
  assert.match(show(dialectProblems(['SELECT a FROM t WHERE'], 'redshift')).join('\n'), /does not parse as Redshift SQL/);
  // Names that only look like the functions are not calls: a column called now, a string saying CURRENT_TIMESTAMP.
  assert.deepEqual(dialectProblems(["SELECT GETDATE(), SYSDATE, t.now FROM core.x t WHERE t.note <> 'CURRENT_TIMESTAMP'"], 'redshift'), []);
  assert.ok(REDSHIFT_LEADER_NODE_ONLY.length >= 15);
});

test('the guard refuses what MySQL 8 deprecates: the BINARY operator, SQL_CALC_FOUND_ROWS, utf8 meaning utf8mb3', () => {
  assert.deepEqual(checkMysqlStatement("SELECT IF(CAST(c AS BINARY) = _utf8mb4 X'5C4E', 1, 0) FROM t").problems, []);
  assert.match(checkMysqlStatement("SELECT IF(BINARY c = _utf8mb4 X'5C4E', 1, 0) FROM t").problems.join('; '), /BINARY operator is deprecated/);
  assert.match(checkMysqlStatement('SELECT SQL_CALC_FOUND_ROWS a FROM t LIMIT 1').problems.join('; '), /deprecated since MySQL 8\.0\.17/);
  assert.match(checkMysqlStatement('CREATE TABLE t (a INT) DEFAULT CHARSET=utf8').problems.join('; '), /utf8mb3/);
});

test('each parser gap is one that shipped SQL needs, and names the Redshift or MySQL page that documents it', () => {
  const statements = sentToRedshift.flatMap(splitStatements);
  const used = new Set(statements.flatMap((s) => checkRedshiftStatement(s).gaps));
  for (const gap of REDSHIFT_PARSER_GAPS) {
    assert.match(gap.docs, /\.html/);
    assert.ok([...used].some((u) => u.startsWith(gap.name)), `no shipped statement needs the gap "${gap.name}": remove it`);
  }
  const sourceGaps = new Set(sentToSource.flatMap(splitStatements).flatMap((s) => checkMysqlStatement(s).gaps));
  for (const gap of MYSQL_PARSER_GAPS) assert.ok([...sourceGaps].some((u) => u.startsWith(gap.name)), `no source statement needs the gap "${gap.name}": remove it`);
  const textOnly = statements.filter((s) => checkRedshiftStatement(s).reading === 'text only');
  assert.ok(textOnly.every((s) => /^(COPY|COMMENT ON|DROP (TABLE|SCHEMA) IF EXISTS|BEGIN READ ONLY)\b/i.test(s)), 'only statements without expressions are read as text');
});
