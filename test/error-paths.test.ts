/**
 * Every error path ends in one or two sentences that name the thing and the fix, and exit 1, with no stack trace
 * unless --verbose (issue 17, finding 5). Each fault is caused for real: a 1 MB tmpfs that fills up, the same tmpfs
 * remounted read-only, a file where a folder belongs, a folder where a file belongs, a port held by this test, and
 * the servers dropping the pipeline's connection in the middle of LOAD DATA and COPY (MySQL KILL, PostgreSQL
 * pg_terminate_backend, each proven to have hit the running statement).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { ROOT, assertPlainFailure, runCli, startCli, testEnv, type CliResult } from './helpers';

const t = testEnv('errpaths');
const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-errpaths-disk-'));
// A real small disk needs root (mount); without it these cases are reported as skipped, never passed.
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]).status === 0;
const noDisk = mounted ? false : 'needs root to mount a 1 MB tmpfs';

before(() => {
  const r = runCli(t, 'pipeline.ts', ['--orders', '300', '--seed', '9']);
  assert.equal(r.code, 0, r.all);
});
after(async () => {
  if (mounted) spawnSync('umount', [disk]);
  fs.rmSync(disk, { recursive: true, force: true });
  await t.cleanup();
});

function emptyDisk() {
  for (const f of fs.readdirSync(disk)) fs.rmSync(path.join(disk, f), { recursive: true, force: true });
}

/** Exit 1, no stack, a failure of at most three lines (after any progress lines), naming `thing` and the `fix`. */
function assertExplained(r: CliResult, thing: RegExp, fix: RegExp) {
  const failure = r.err.slice(r.err.lastIndexOf('✗'));
  assertPlainFailure({ ...r, err: failure }, thing);
  assert.match(failure, /\n {2}Fix: /, r.err);
  assert.match(failure.split('Fix:')[1] ?? '', fix);
  assert.doesNotMatch(r.all, /--verbose for details/, 'the error was recognised, not passed through raw');
}

test('a disk that fills up while generating: ENOSPC names the folder and what to free or move', { skip: noDisk }, () => {
  emptyDisk();
  const r = runCli(t, 'pipeline.ts', ['--orders', '5000'], { ORDERHE_DATA_DIR: path.join(disk, 'data') });
  assertExplained(r, new RegExp(`disk is full: no space left to write ${disk}/data.* \\(ENOSPC\\)`), /Free space on that disk .* or set ORDERHE_DATA_DIR/);
});

test('a disk that fills up inside the embedded lake server during the upload: ENOSPC names the lake folder (it was a WriteStream stack)', { skip: noDisk }, () => {
  emptyDisk();
  const lakeDir = path.join(disk, 'lake');
  const file = path.join(t.dataDir, 'lake-on-small-disk.yml');
  fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, 'config/local.yml'), 'utf8').replace(/^ {2}dir: lake$/m, `  dir: ${lakeDir}`));
  const r = runCli(t, 'pipeline.ts', ['--config', file, '--orders', '20000']);
  assertExplained(r, new RegExp(`disk is full: no space left to write ${lakeDir} \\(ENOSPC\\)`), /Free space/);
});

test('a read-only disk: EROFS is refused before anything runs, naming the folder and the setting', { skip: noDisk }, () => {
  emptyDisk();
  assert.equal(spawnSync('mount', ['-o', 'remount,ro', disk]).status, 0);
  try {
    const r = runCli(t, 'pipeline.ts', [], { ORDERHE_DATA_DIR: path.join(disk, 'data') });
    assertExplained(r, new RegExp(`Cannot write ${disk}/data/generated \\(from ORDERHE_DATA_DIR\\): ${disk} is on a read-only file system \\(EROFS\\)`), /Set ORDERHE_DATA_DIR to a folder on a writable disk/);
  } finally {
    spawnSync('mount', ['-o', 'remount,rw', disk]);
  }
});

test('a file where the data folder should be: ENOTDIR names the file', () => {
  const file = path.join(t.dataDir, 'not-a-folder');
  fs.writeFileSync(file, 'x');
  const r = runCli(t, 'pipeline.ts', ['--until', 'generate'], { ORDERHE_DATA_DIR: path.join(file, 'data') });
  assertExplained(r, new RegExp(`${file} is a file \\(ENOTDIR\\)`), /Move that file away, or set ORDERHE_DATA_DIR/);
});

test('a folder where the dashboard file goes: EISDIR names that folder', () => {
  const blocker = path.join(t.dataDir, 'out', 'dashboard.html');
  fs.rmSync(blocker, { force: true });
  fs.mkdirSync(blocker, { recursive: true });
  try {
    assertExplained(runCli(t, 'pipeline.ts', ['--from', 'dashboard']), new RegExp(`${blocker} is a folder where a file was expected \\(EISDIR\\)`), /Remove or rename that folder/);
  } finally {
    fs.rmSync(blocker, { recursive: true, force: true });
  }
});

test('--config given a folder says so (it was "Fix the indentation or quoting on that line")', () => {
  assertExplained(runCli(t, 'pipeline.ts', ['--config', 'config']), /Config file config is a folder, not a YAML file/, /Pass a file to --config/);
});

test('a corrupt data/generated/manifest.json names the file and how to make it again (it was "Cannot read properties of null")', () => {
  const file = path.join(t.dataDir, 'generated', 'manifest.json');
  const kept = fs.readFileSync(file);
  for (const text of ['null', '{"seed":', '[]']) {
    fs.writeFileSync(file, text);
    try {
      assertExplained(runCli(t, 'pipeline.ts', ['--from', 'source', '--until', 'source']), new RegExp(`${file} is damaged`), /Generate the files again: npm run pipeline/);
    } finally {
      fs.writeFileSync(file, kept);
    }
  }
});

test('npm run lake -- serve on a port another program holds: one sentence naming the port, exit 1', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    assertExplained(runCli(t, 'lake.ts', ['serve', '--port', String(port)]), new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`), /Stop .*or pick a free port/);
  } finally {
    holder.close();
  }
});

test('--verbose adds the stack trace the plain message leaves out', () => {
  const r = runCli(t, 'pipeline.ts', ['--config', 'config', '--verbose']);
  assert.equal(r.code, 1);
  assert.match(r.err, /\n\s+at .+:\d+:\d+/);
});

/** Polls the server every 20 ms until `kill` hits the statement (it returns true), or the run ends first. */
async function killMidStatement(run: ReturnType<typeof startCli>, kill: () => Promise<boolean>): Promise<void> {
  while (run.child.exitCode === null) {
    if (await kill()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`the run ended before the statement could be hit:\n${run.output()}`);
}

test('the warehouse dropping the connection in the middle of COPY: one sentence naming the warehouse and the step to rerun', { timeout: 600_000 }, async () => {
  const w = t.config.warehouse;
  const admin = new pg.Client({ host: w.host, port: w.port, user: w.user, password: w.password, database: 'postgres' });
  await admin.connect();
  try {
    const run = startCli(t, 'pipeline.ts', ['--orders', '30000', '--seed', '10']);
    await killMidStatement(run, async () => (await admin.query(
      "SELECT pg_terminate_backend(pid) AS hit FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query ILIKE 'COPY %'", [w.database])).rows.some((r) => r.hit));
    const code = await run.exited;
    assertExplained({ code, out: '', err: run.errors(), all: run.output() }, /The connection to the warehouse was lost in the middle of the warehouse step/, /npm run doctor.*npm run pipeline -- --from warehouse/);
  } finally {
    await admin.end();
  }
});

test('the MySQL source dropping the connection in the middle of LOAD DATA: one sentence naming the source and the step to rerun', { timeout: 600_000 }, async () => {
  const c = t.config.source;
  const admin = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password });
  try {
    const run = startCli(t, 'pipeline.ts', ['--orders', '30000', '--seed', '11']);
    await killMidStatement(run, async () => {
      const [rows] = (await admin.query("SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE 'LOAD DATA%' LIMIT 1", [c.database])) as unknown as [{ id: number }[]];
      if (rows.length === 0) return false;
      await admin.query(`KILL ${Number(rows[0].id)}`);
      return true;
    });
    const code = await run.exited;
    assertExplained({ code, out: '', err: run.errors(), all: run.output() }, /The connection to the MySQL source was lost in the middle of the source step/, /npm run pipeline -- --from source/);
  } finally {
    await admin.end();
  }
});

test('the MySQL source dropping the connection in the middle of the extract, while the warehouse copies beside it: one sentence naming the lake step, and staging and core stay as they were', { timeout: 600_000 }, async () => {
  const c = t.config.source;
  const w = t.config.warehouse;
  const first = runCli(t, 'pipeline.ts', ['--orders', '50000', '--seed', '12', '--until', 'warehouse']);
  assert.equal(first.code, 0, first.all);
  const warehouse = new pg.Client({ host: w.host, port: w.port, user: w.user, password: w.password, database: w.database });
  await warehouse.connect();
  const admin = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password });
  const state = async () => (await warehouse.query(`
    SELECT (SELECT COUNT(*) FROM staging.order_status_history) AS history, (SELECT COUNT(*) FROM staging.order_items) AS items,
           (SELECT COUNT(*) FROM staging.orders) AS orders, (SELECT string_agg(run_id, ',' ORDER BY table_name, run_id) FROM core.loaded_runs) AS loaded`)).rows[0];
  try {
    const before = await state();
    // Every table again in full: the extract goes largest first (status history, items, then orders), so by the time
    // it reads orders the load beside it has copied the first runs into its open transaction.
    const run = startCli(t, 'pipeline.ts', ['--from', 'lake', '--until', 'warehouse', '--full-extract', 'all']);
    await killMidStatement(run, async () => {
      const [rows] = (await admin.query("SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT CONCAT_WS%' AND info LIKE '%FROM `orders`%' LIMIT 1", [c.database])) as unknown as [{ id: number }[]];
      if (rows.length === 0) return false;
      // Only once the load beside it has COPYed into staging inside its open transaction.
      const copying = await warehouse.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'COPY "staging".%' AND state IN ('active', 'idle in transaction')`, [w.database]);
      if (copying.rowCount === 0) return false;
      await admin.query(`KILL ${Number(rows[0].id)}`);
      return true;
    });
    const code = await run.exited;
    assertExplained({ code, out: '', err: run.errors(), all: run.output() }, /The connection to the MySQL source was lost in the middle of the lake step/, /npm run pipeline -- --from lake/);
    assert.doesNotMatch(run.output(), /✓ (lake|warehouse)/);
    assert.deepEqual(await state(), before, 'staging and core as they were: the copied runs rolled back with the load');
    const [left] = (await warehouse.query(`
      SELECT COUNT(*) FILTER (WHERE query ILIKE 'COPY%' AND state = 'active') AS copies, COUNT(*) FILTER (WHERE state LIKE 'idle in transaction%') AS stuck
        FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows;
    assert.deepEqual({ copies: Number(left.copies), stuck: Number(left.stuck) }, { copies: 0, stuck: 0 });
  } finally {
    await admin.end();
    await warehouse.end();
  }
});
