/**
 * The run lock lives in the databases (issue 17, finding 1): two pipelines with different data folders on the same
 * MySQL and warehouse databases used to run at once and mix the source. Now the second is refused, naming the first
 * (pid, host, start time), and the first finishes; a killed run leaves nothing behind that blocks the next one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertPlainFailure, runCli, startCli, testEnv, sourceOrderCount } from './helpers';

const t = testEnv('runlock');
const otherDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-runlock-other-'));
after(async () => {
  await t.cleanup();
  fs.rmSync(otherDataDir, { recursive: true, force: true });
});

const sourceOrders = () => sourceOrderCount(t);

test('a second pipeline with another data folder on the same databases is refused naming the first (pid, host, start time), and the first finishes', { timeout: 600_000 }, async () => {
  const first = startCli(t, 'pipeline.ts', ['--orders', '20000', '--seed', '3']);
  // The header is printed once the run lock is held.
  await first.waitFor(/Order-He pipeline/);
  const other = { ORDERHE_DATA_DIR: otherDataDir };
  const holder = new RegExp(`Another pipeline \\(pid ${first.child.pid} on ${os.hostname()}, started \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\) is running on the same `);
  const full = runCli(t, 'pipeline.ts', ['--orders', '100'], other);
  const fromWarehouse = runCli(t, 'pipeline.ts', ['--from', 'warehouse'], other);
  const untilSource = runCli(t, 'pipeline.ts', ['--until', 'source', '--orders', '100'], other);
  assert.equal(first.child.exitCode, null, 'the first pipeline was still running when the others were refused');
  assertPlainFailure(full, holder);
  assertPlainFailure(fromWarehouse, new RegExp(`${holder.source}warehouse database ${t.config.warehouse.database}`));
  assertPlainFailure(untilSource, new RegExp(`${holder.source}MySQL source database ${t.config.source.database}`));
  assert.match(full.err, new RegExp(`Fix: Wait for it to finish, or stop it \\(kill ${first.child.pid}\\)`));
  assert.equal(await first.exited, 0, first.output());
  assert.equal(await sourceOrders(), 20000, 'the source holds the first run\'s shop only');
  assert.deepEqual(fs.readdirSync(otherDataDir), [], 'the refused runs wrote nothing into their data folder');
});

test('a pipeline killed with SIGKILL while it holds the lock leaves nothing that blocks the next run', { timeout: 600_000 }, async () => {
  const first = startCli(t, 'pipeline.ts', ['--orders', '20000', '--seed', '4']);
  await first.waitFor(/Order-He pipeline/);
  // Proof the lock is held at the moment of the kill: another run is refused right then.
  assertPlainFailure(runCli(t, 'pipeline.ts', ['--from', 'mart'], { ORDERHE_DATA_DIR: otherDataDir }), /Another pipeline/);
  first.child.kill('SIGKILL');
  await first.exited;
  const again = runCli(t, 'pipeline.ts', ['--orders', '500', '--seed', '4'], { ORDERHE_DATA_DIR: otherDataDir });
  assert.equal(again.code, 0, again.all);
  assert.equal(await sourceOrders(), 500);
});

test('the embedded warehouse (PGlite, inside the run\'s process) is locked too: a second run on the same folder is refused naming the first', { timeout: 600_000 }, async () => {
  const emb = { ORDERHE_PROFILE: 'embedded', ORDERHE_DATA_DIR: otherDataDir };
  const first = startCli(t, 'pipeline.ts', ['--orders', '3000', '--seed', '5'], emb);
  await first.waitFor(/Order-He pipeline/);
  // Another MySQL database, so only the PGlite folder is shared.
  const second = runCli(t, 'pipeline.ts', ['--from', 'mart'], { ...emb, MYSQL_DATABASE: `${t.config.source.database}_b` });
  assert.equal(first.child.exitCode, null, 'the first pipeline was still running');
  assertPlainFailure(second, new RegExp(`Another pipeline \\(pid ${first.child.pid} on .+\\) is running on the same embedded warehouse ${otherDataDir}/warehouse`));
  assert.equal(await first.exited, 0, first.output());
});
