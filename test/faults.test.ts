/**
 * Faults really caused, and bad input really given: a pipeline killed with SIGKILL in the middle of a step and
 * run again converges to exactly the source; a second pipeline on the same databases refuses; the published mart
 * stays readable while it is rebuilt; wrong credentials and unreachable servers end in one sentence with no
 * secret in it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { ROOT, assertPlainFailure, runCli, sourceQuery, startCli, testEnv, warehouseQuery, type TestEnv } from './helpers';
import { startEmbeddedLakeServer } from '../lib/lake/connection';
import { buildMart } from '../lib/mart/build';

const t = testEnv('faults');
after(() => t.cleanup());

const ORDERS = '30000';

async function sourceCounts(env: TestEnv) {
  const [r] = await sourceQuery<{ orders: number; items: number }>(env, 'SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM order_items) AS items');
  return { orders: Number(r.orders), items: Number(r.items) };
}

async function warehouseCounts(env: TestEnv) {
  const [r] = await warehouseQuery<{ orders: string; items: string; distinct_orders: string }>(env,
    'SELECT (SELECT COUNT(*) FROM core.fct_orders) AS orders, (SELECT COUNT(DISTINCT order_id) FROM core.fct_orders) AS distinct_orders, (SELECT COUNT(*) FROM core.fct_order_items) AS items');
  return { orders: Number(r.orders), distinctOrders: Number(r.distinct_orders), items: Number(r.items) };
}

interface MidStepProbe { check(): Promise<string | null>; close(): Promise<void> }

/**
 * Starts the pipeline and SIGKILLs it once the probe (asking the servers, never the clock) sees the step doing its
 * work; returns what the probe saw, the proof that the kill landed mid-step.
 */
async function killWhen(probe: MidStepProbe, args: string[]): Promise<string> {
  const run = startCli(t, 'pipeline.ts', args);
  try {
    const until = Date.now() + 240_000;
    for (;;) {
      const seen = await probe.check();
      if (seen !== null) {
        run.child.kill('SIGKILL');
        await run.exited;
        return seen;
      }
      if (run.child.exitCode !== null) throw new Error(`the pipeline ended (${run.child.exitCode}) before the step was seen running:\n${run.output()}`);
      if (Date.now() > until) throw new Error(`timed out waiting for the step:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    run.child.kill('SIGKILL');
    await probe.close();
  }
}

/** Sees a LOAD DATA into this suite's source database running on the server. */
async function loadDataProbe(): Promise<MidStepProbe> {
  const c = t.config.source;
  const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password });
  return {
    async check() {
      const [rows] = await conn.query("SELECT INFO AS info FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'LOAD DATA%'", [c.database]);
      return (rows as { info: string }[])[0]?.info ?? null;
    },
    close: () => conn.end(),
  };
}

/** Sees a COPY into this suite's warehouse database with rows done, in the server's progress view. */
async function copyProbe(): Promise<MidStepProbe> {
  const w = t.config.warehouse;
  const client = new pg.Client({ host: w.host, port: w.port, user: w.user, password: w.password, database: 'postgres' });
  await client.connect();
  return {
    async check() {
      const r = await client.query<{ n: string }>(
        'SELECT tuples_processed AS n FROM pg_stat_progress_copy p JOIN pg_database d ON d.oid = p.datid WHERE d.datname = $1 AND tuples_processed > 0', [w.database]);
      return r.rows[0] ? `COPY with ${r.rows[0].n} rows done` : null;
    },
    close: () => client.end(),
  };
}

test('a pipeline killed with SIGKILL while loading the source, then run again, ends with the warehouse equal to the source', { timeout: 600_000 }, async () => {
  const seen = await killWhen(await loadDataProbe(), ['--orders', ORDERS, '--seed', '5']);
  assert.match(seen, /^LOAD DATA LOCAL INFILE/, 'killed while the source server ran a LOAD DATA');
  const again = runCli(t, 'pipeline.ts', ['--orders', ORDERS, '--seed', '5']);
  assert.equal(again.code, 0, again.all);
  const src = await sourceCounts(t);
  assert.equal(src.orders, Number(ORDERS));
  const wh = await warehouseCounts(t);
  assert.deepEqual(wh, { orders: src.orders, distinctOrders: src.orders, items: src.items });
});

test('a pipeline killed with SIGKILL during the warehouse load, then run again, ends equal to the source with no duplicates', { timeout: 600_000 }, async () => {
  // An append so the warehouse already holds a published state while the kill happens; 90 days, so its COPY lasts
  // long enough for the probe to see it.
  const seen = await killWhen(await copyProbe(), ['--append', '--days', '90']);
  assert.match(seen, /^COPY with \d+ rows done$/, 'killed while the warehouse ran a COPY');
  const [published] = await warehouseQuery<{ n: string }>(t, 'SELECT COUNT(*) AS n FROM mart.daily_sales');
  assert.ok(Number(published.n) > 0, 'the previously published mart is still there after the kill');
  const again = runCli(t, 'pipeline.ts', ['--from', 'lake']);
  assert.equal(again.code, 0, again.all);
  const src = await sourceCounts(t);
  assert.ok(src.orders > Number(ORDERS), 'the append added orders');
  assert.deepEqual(await warehouseCounts(t), { orders: src.orders, distinctOrders: src.orders, items: src.items });
});

test('a second pipeline on the same databases refuses with the first one\'s pid, and never interleaves', { timeout: 600_000 }, async () => {
  // A whole run of a mid-size shop: long enough that the second command starts while the first still holds the lock.
  const first = startCli(t, 'pipeline.ts', ['--orders', ORDERS, '--seed', '6']);
  await first.waitFor(/Order-He pipeline/);
  const second = runCli(t, 'pipeline.ts', ['--from', 'warehouse']);
  assert.equal(first.child.exitCode, null, 'the first pipeline was still running when the second was refused');
  assertPlainFailure(second, new RegExp(`Another pipeline \\(pid ${first.child.pid} on .+, started .*\\) is running on the same warehouse database`));
  assert.equal(await first.exited, 0, first.output());
});

test('the published mart stays readable, with the same rows, while the mart is rebuilt', { timeout: 300_000 }, async () => {
  const [before] = await warehouseQuery<{ n: string }>(t, 'SELECT COUNT(*) AS n FROM mart.daily_sales');
  const ctx = t.open();
  const w = t.config.warehouse;
  const reader = new pg.Client({ host: w.host, port: w.port, user: w.user, password: w.password, database: w.database });
  await reader.connect();
  let reads = 0;
  let building = true;
  const errors: string[] = [];
  const readLoop = (async () => {
    while (building) {
      try {
        const r = await reader.query('SELECT COUNT(*) AS n FROM mart.daily_sales');
        assert.equal(r.rows[0].n, before.n);
        reads++;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  })();
  try {
    for (let i = 0; i < 3; i++) await buildMart(ctx);
  } finally {
    building = false;
    await readLoop;
    await reader.end();
    await ctx.close();
  }
  assert.deepEqual(errors, []);
  assert.ok(reads > 0);
});

test('a wrong MySQL password stops the pipeline in one sentence that never shows the password, even with --verbose', () => {
  const secret = 'Sentinel-pw-9f3a';
  const plain = runCli(t, 'pipeline.ts', ['--until', 'source'], { MYSQL_PASSWORD: secret });
  assertPlainFailure(plain, /refused the login for user "root"/);
  const verbose = runCli(t, 'pipeline.ts', ['--until', 'source', '--verbose'], { MYSQL_PASSWORD: secret });
  assert.equal(verbose.code, 1);
  assert.ok(!plain.all.includes(secret) && !verbose.all.includes(secret), 'the password must not appear');
});

test('the --json summary and the step lines never contain a configured secret', () => {
  // PostgreSQL here trusts local connections, so a password is accepted and ignored: it only has to stay hidden.
  const secret = 'Sentinel-pg-5c1d';
  const r = runCli(t, 'pipeline.ts', ['--from', 'mart', '--json'], { PGPASSWORD: secret });
  assert.equal(r.code, 0, r.all);
  const summary = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.deepEqual(summary.steps.map((s: { step: string }) => s.step), ['mart', 'dashboard']);
  assert.ok(!r.all.includes(secret));
});

test('an unreachable MySQL port stops the pipeline naming the server to start', () => {
  assertPlainFailure(runCli(t, 'pipeline.ts', ['--until', 'source'], { MYSQL_PORT: '1' }), /Cannot reach the MySQL source at 127\.0\.0\.1:1: connection refused/);
});

test('an unknown warehouse role stops the pipeline naming the role', () => {
  assertPlainFailure(runCli(t, 'pipeline.ts', ['--from', 'warehouse'], { PGUSER: 'nobody_orderhe' }), /has no role "nobody_orderhe"/);
});

/** The local profile with the lake pointed at an S3 endpoint of the test's choosing, as a compose or aws user would have it. */
function s3LakeConfig(): string {
  const file = path.join(t.dataDir, 's3-lake.yml');
  const local = fs.readFileSync(path.join(ROOT, 'config/local.yml'), 'utf8');
  fs.writeFileSync(file, local.replace(/lake:[\s\S]*?\nwarehouse:/, [
    'lake:', '  kind: s3', '  bucket: ${LAKE_BUCKET}', '  endpoint: ${S3_ENDPOINT}', '  accessKeyId: ${AWS_ACCESS_KEY_ID}',
    '  secretAccessKey: ${AWS_SECRET_ACCESS_KEY}', '  forcePathStyle: true', 'warehouse:'].join('\n')));
  return file;
}

test('an S3 endpoint where nothing listens stops the lake step in one sentence', () => {
  const r = runCli(t, 'pipeline.ts', ['--config', s3LakeConfig(), '--from', 'lake', '--until', 'lake'], {
    S3_ENDPOINT: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'Sentinel-s3-77aa',
  });
  assertPlainFailure(r, /Cannot reach the lake at http:\/\/127\.0\.0\.1:1/);
  assert.ok(!r.all.includes('Sentinel-s3-77aa'));
});

test('wrong S3 credentials stop the lake step with the policy to check, and the secret key is not shown', async () => {
  const server = await startEmbeddedLakeServer(`${t.dataDir}/other-lake`);
  try {
    const secret = 'Sentinel-s3-wrong-key';
    // Asynchronous: the server runs in this process and must keep answering while the pipeline talks to it.
    const run = startCli(t, 'pipeline.ts', ['--config', s3LakeConfig(), '--from', 'lake', '--until', 'lake'], {
      S3_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'NOT-A-KEY', AWS_SECRET_ACCESS_KEY: secret,
    });
    const code = await run.exited;
    const r = { code, out: '', err: run.errors(), all: run.output() };
    assertPlainFailure(r, new RegExp(`denied access to bucket "${t.config.lake.bucket}" \\(HTTP 403\\)`));
    assert.ok(!r.all.includes(secret));
  } finally {
    await server.close();
  }
});
