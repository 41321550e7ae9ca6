/**
 * README's lake walkthrough, run as written against the embedded lake: the aws CLI lists the lake, fetches
 * the state and the newest orders run's _run.json, downloads its parts and checks each sha256 with sha256sum.
 * The only change to README's lines is the port (the test serves the lake on a free one).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, runCli, startCli, testEnv } from './helpers';

const t = testEnv('lakewalk');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-lakewalk-'));
after(async () => {
  await t.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

test("README's aws CLI lines list the lake, fetch the newest orders run's _run.json and verify its parts' sha256", async () => {
  assert.equal(spawnSync('aws', ['--version']).status, 0, 'the aws CLI is not installed: apt-get install awscli (npm test installs it when run as root)');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- lake-walkthrough:begin -->\s*```bash\n([\s\S]*?)```\s*<!-- lake-walkthrough:end -->/.exec(readme)?.[1];
  assert.ok(block, 'README has the lake walkthrough between <!-- lake-walkthrough:begin/end -->');
  assert.match(block, /--endpoint-url http:\/\/127\.0\.0\.1:4568/);

  const pipeline = runCli(t, 'pipeline.ts', ['--orders', '300', '--until', 'lake']);
  assert.equal(pipeline.code, 0, pipeline.all);
  const server = startCli(t, 'lake.ts', ['serve', '--port', '0']);
  try {
    await server.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())![1];
    const script = block.replaceAll('http://127.0.0.1:4568', endpoint);
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env: t.env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `the walkthrough failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /raw\/orders\/load_date=\d{4}-\d{2}-\d{2}\/run=[^/]+\/manifest\.json/, 'the listing shows a run with its manifest');
    assert.match(r.stdout, /state\/extract\.json/);
    assert.match(r.stdout, /"lineage"/, 'the state object printed');
    assert.match(r.stdout, /^part-00000\.csv\.gz: OK$/m, 'sha256sum confirms the part against _run.json');
    assert.doesNotMatch(r.stdout, /FAILED/);
    assert.match(r.stdout, /^order_id,/m, 'the part is the orders CSV with its header');
    const record = JSON.parse(fs.readFileSync(path.join(work, 'run.json'), 'utf8')) as { table: string; parts: { sha256: string }[] };
    assert.equal(record.table, 'orders');
    assert.ok(record.parts.length >= 1 && record.parts.every((p) => /^[0-9a-f]{64}$/.test(p.sha256)));
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
