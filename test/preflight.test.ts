/**
 * One validation pass before anything is touched (issue 17, findings 3, 4, 8 and 10): a bad setting for any stage
 * the run will reach stops it before generate replaces the source; doctor refuses exactly what the pipeline refuses;
 * .env is read; stray words are refused; the header and --json say what the run really did.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { ROOT, assertPlainFailure, runCli, testEnv } from './helpers';

const t = testEnv('preflight');
after(() => t.cleanup());

async function sourceOrders(database = t.config.source.database): Promise<number> {
  const c = t.config.source;
  const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, database });
  try {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM orders');
    return Number((rows as { n: number }[])[0].n);
  } finally {
    await conn.end();
  }
}

const manifest = () => fs.readFileSync(path.join(t.dataDir, 'generated', 'manifest.json'), 'utf8');

before(() => {
  const r = runCli(t, 'pipeline.ts', ['--orders', '300', '--seed', '8']);
  assert.equal(r.code, 0, r.all);
});

const badSettings: [string, NodeJS.ProcessEnv, RegExp][] = [
  ['LAKE_BUCKET=Bad_Bucket!', { LAKE_BUCKET: 'Bad_Bucket!' }, /lake\.bucket is "Bad_Bucket!", which is not a valid S3 bucket name[\s\S]*set LAKE_BUCKET/],
  ['PGPORT=70000', { PGPORT: '70000' }, /warehouse\.port must be at most 65535, not 70000[\s\S]*Set PGPORT/],
  ['PGPORT=0', { PGPORT: '0' }, /warehouse\.port must be at least 1, not 0/],
  ['a PGDATABASE holding a quote', { PGDATABASE: 'dw"; DROP' }, /warehouse\.database is "dw"; DROP", which is not a plain SQL name[\s\S]*set PGDATABASE/],
  ['MYSQL_PORT=70000', { MYSQL_PORT: '70000' }, /source\.port must be at most 65535, not 70000[\s\S]*Set MYSQL_PORT/],
  ['ORDERHE_DATA_DIR under a file', { ORDERHE_DATA_DIR: '/etc/hostname/data' }, /Cannot use \/etc\/hostname\/data\/generated \(from ORDERHE_DATA_DIR\) as a folder: \/etc\/hostname is a file/],
];
for (const [name, env, pattern] of badSettings) {
  test(`a full run with ${name} exits 1 in one sentence before anything is touched: the source and the generated files stay as they were`, async () => {
    const before = { orders: await sourceOrders(), manifest: manifest() };
    assertPlainFailure(runCli(t, 'pipeline.ts', ['--orders', '100'], env), pattern);
    assert.equal(await sourceOrders(), before.orders);
    assert.equal(manifest(), before.manifest);
  });
}

test('--from warehouse, --from mart and doctor with PGPORT=70000 exit 1 in one sentence (they printed nothing and exited 0)', () => {
  for (const [script, args] of [['pipeline.ts', ['--from', 'warehouse']], ['pipeline.ts', ['--from', 'mart', '--json']], ['doctor.ts', []]] as const) {
    assertPlainFailure(runCli(t, script, [...args], { PGPORT: '70000' }), /warehouse\.port must be at most 65535, not 70000/);
  }
});

test('doctor refuses MYSQL_DATABASE=\'x(\' in one sentence, as the pipeline does, and never says All good', () => {
  const doctor = runCli(t, 'doctor.ts', [], { MYSQL_DATABASE: 'x(' });
  assertPlainFailure(doctor, /source\.database is "x\(", which is not a plain SQL name/);
  assert.doesNotMatch(doctor.all, /All good|Invalid regular expression/);
  assertPlainFailure(runCli(t, 'pipeline.ts', ['--until', 'source'], { MYSQL_DATABASE: 'x(' }), /source\.database is "x\("/);
});

test('doctor checks the folders the pipeline writes, and refuses one it cannot use', () => {
  const ok = runCli(t, 'doctor.ts', []);
  assert.equal(ok.code, 0, ok.all);
  assert.match(ok.out, /✓ folders +.* can be written/);
  const bad = runCli(t, 'doctor.ts', [], { ORDERHE_DATA_DIR: '/etc/hostname/data' });
  assert.equal(bad.code, 1, bad.all);
  assert.match(bad.out, /✗ folders +Cannot use \/etc\/hostname\/data\/generated/);
  assert.doesNotMatch(bad.all, /All good/);
});

test('a stray word on the command line is refused in one sentence', () => {
  assertPlainFailure(runCli(t, 'pipeline.ts', ['warehouse']), /Unexpected argument 'warehouse'/);
  assertPlainFailure(runCli(t, 'doctor.ts', ['now']), /Unexpected argument 'now'/);
});

test('generate flags on a run that does not generate are refused instead of ignored', () => {
  assertPlainFailure(runCli(t, 'pipeline.ts', ['--from', 'warehouse', '--orders', '5']), /--orders changes the generate step, which a run from warehouse does not include/);
});

test('a --from run says in its header and its --json summary that it works on the shop already in the source, not "1,000 orders"', () => {
  const r = runCli(t, 'pipeline.ts', ['--from', 'mart', '--json']);
  assert.equal(r.code, 0, r.all);
  assert.match(r.err, /Order-He pipeline · profile local · the shop already in the source · steps mart to dashboard/);
  assert.doesNotMatch(r.all, /1,000 orders/);
  const summary = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.deepEqual(summary.ran, ['mart', 'dashboard']);
  assert.equal(summary.orders, undefined);
  assert.equal(summary.seed, undefined);
});

test('an --append run reports the days it added and the new orders it generated', async () => {
  const before = await sourceOrders();
  const r = runCli(t, 'pipeline.ts', ['--append', '--days', '2', '--json']);
  assert.equal(r.code, 0, r.all);
  assert.match(r.err, /append 2 day\(s\) to the shop in the source/);
  const summary = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.deepEqual(summary.append, { days: 2 });
  assert.equal(summary.orders, undefined);
  assert.equal(summary.newOrders, (await sourceOrders()) - before);
});

test('a full run\'s summary gives the orders it generated', () => {
  const r = runCli(t, 'pipeline.ts', ['--orders', '120', '--seed', '2', '--until', 'generate', '--json']);
  assert.equal(r.code, 0, r.all);
  const summary = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.deepEqual([summary.orders, summary.seed, summary.ran], [120, 2, ['generate']]);
});

test('.env in the project folder is read, under the shell: MYSQL_DATABASE from .env picks the source database', async () => {
  const file = path.join(ROOT, '.env');
  const kept = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  const fromDotEnv = `${t.config.source.database}_env`;
  // LAKE_BUCKET is also set in the shell (testEnv): were .env to win, this name would be refused.
  fs.writeFileSync(file, `# written by test/preflight.test.ts\nMYSQL_DATABASE=${fromDotEnv}\nLAKE_BUCKET=Bad_Bucket!\n`);
  try {
    const env = { ...t.env, MYSQL_DATABASE: undefined };
    const r = runCli({ ...t, env }, 'pipeline.ts', ['--until', 'source', '--orders', '40']);
    assert.equal(r.code, 0, r.all);
    assert.equal(await sourceOrders(fromDotEnv), 40);
  } finally {
    if (kept) fs.writeFileSync(file, kept);
    else fs.rmSync(file, { force: true });
    const c = t.config.source;
    const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password });
    await conn.query(`DROP DATABASE IF EXISTS \`${fromDotEnv}\``);
    await conn.end();
  }
});

test('the embedded warehouse\'s own folder is checked too, before anything runs and by doctor', async () => {
  const file = path.join(t.dataDir, 'pglite-under-a-file.yml');
  fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, 'config/embedded.yml'), 'utf8').replace(/^ {2}dir: warehouse$/m, '  dir: /etc/hostname/warehouse'));
  const before = await sourceOrders();
  assertPlainFailure(runCli(t, 'pipeline.ts', ['--config', file, '--orders', '100']), /Cannot use \/etc\/hostname\/warehouse \(from warehouse\.dir\) as a folder: \/etc\/hostname is a file/);
  assert.equal(await sourceOrders(), before);
  const doctor = runCli(t, 'doctor.ts', ['--config', file]);
  assert.equal(doctor.code, 1, doctor.all);
  assert.match(doctor.out, /✗ folders +Cannot use \/etc\/hostname\/warehouse/);
});
