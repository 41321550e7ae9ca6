import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv, ROOT } from './helpers';
import { loadConfig } from '../lib/core/config';
import { runDoctor } from '../lib/doctor';
import { doctorReportLines, showDoctor } from '../lib/doctor';

const env = testEnv('notebook_doctor');
after(() => env.cleanup());

test('a warehouse nobody listens on is one ✗ line with its fix, and the other parts still pass', async () => {
  // What notebook 07 shows for key issue 3: the same config with the warehouse port moved to 1.
  const unreachable = loadConfig({ env: { ...env.env, PGPORT: '1' }, projectRoot: ROOT });
  const lines = doctorReportLines(await runDoctor(unreachable));
  const warehouse = lines.findIndex((l) => l.startsWith('✗ warehouse'));
  assert.ok(warehouse >= 0, lines.join('\n'));
  assert.match(lines[warehouse], /127\.0\.0\.1:1/);
  assert.match(lines[warehouse + 1], /^ {4}fix: /);
  assert.ok(lines.some((l) => l.startsWith('✓ MySQL source')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('✓ outputs')), lines.join('\n'));
  assert.equal(lines.at(-1), '1 problem(s) found.');
});

test('a working setup ends the report with the all-good line, and showDoctor returns the checks it printed', async () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (text: string) => printed.push(text);
  try {
    const checks = await showDoctor(env.config);
    assert.ok(checks.every((c) => c.ok), JSON.stringify(checks, null, 2));
  } finally {
    console.log = log;
  }
  assert.match(printed.join('\n'), /All good: npm run pipeline is ready to run\.$/);
});

test('a password in a failing check is masked in the report', () => {
  const lines = doctorReportLines([{ part: 'warehouse', ok: false, message: 'cannot reach postgres://orderhe:s3cret-pw@db.example.com/orderhe_dw', fix: 'check the host' }]);
  assert.ok(!lines.join('\n').includes('s3cret-pw'), lines.join('\n'));
  assert.match(lines[0], /postgres:\/\/orderhe:\*\*\*@db\.example\.com/);
});
