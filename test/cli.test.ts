import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertPlainFailure, runCli, testEnv } from './helpers';

const t = testEnv('cli');
after(() => t.cleanup());

const run = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCli(t, script, args, env);

const badPipelineArgs: [string[], RegExp][] = [
  [['--orders', '0'], /--orders must be at least 1, not 0/],
  [['--orders', '-5'], /--orders must be at least 1, not -5/],
  [['--orders', 'lots'], /--orders must be a whole number, not "lots"/],
  [['--orders', '2.5'], /--orders must be a whole number/],
  [['--orders', '999999999999'], /more than this workbook handles/],
  [['--seed', 'x'], /--seed must be a whole number/],
  [['--until', 'charts'], /--until charts is not a step/],
  [['--from', 'mart', '--until', 'source'], /--from mart comes after --until source/],
  [['--profile', 'prod'], /Unknown profile "prod"/],
  [['--ordrs', '5'], /Unknown option '--ordrs'/],
  [['--days', '2'], /--days only makes sense with --append/],
  [['--locale', 'fr'], /--locale fr is not supported/],
];
for (const [args, pattern] of badPipelineArgs) {
  test(`npm run pipeline -- ${args.join(' ')} is refused in one sentence and exits 1`, () => {
    assertPlainFailure(run('pipeline.ts', args), pattern);
  });
}

test('the pipeline ends by naming the dashboard, catalog and CSV files it wrote, and each ✓ line gives its step\'s final count', () => {
  const r = run('pipeline.ts', ['--orders', '300']);
  assert.equal(r.code, 0, r.all);
  const out = path.join(t.dataDir, 'out');
  assert.ok(r.out.includes(`Dashboard: ${path.join(out, 'dashboard.html')}`), r.out);
  assert.ok(r.out.includes(`Catalog:   ${path.join(out, 'catalog.html')}`), r.out);
  assert.match(r.out, /CSVs: +.*daily_sales\.csv/);
  assert.match(r.out, /✓ generate .* · 300 orders\n/);
  assert.match(r.out, /✓ lake .* · \d+ tables in \d+ parts\n/);
  assert.match(r.out, /✓ mart .* · \d+ mart tables\n/);
  const appended = run('pipeline.ts', ['--append', '--days', '3', '--until', 'generate']);
  assert.equal(appended.code, 0, appended.all);
  assert.match(appended.out, /✓ generate .* · \d+ new orders\n/);
  assert.match(appended.out, /Dashboard: .*dashboard\.html \(from an earlier run/);
});

test('a config file that does not exist is refused naming it', () => {
  assertPlainFailure(run('pipeline.ts', ['--config', 'config/nope.yml']), /Config file config\/nope\.yml does not exist/);
});

test('doctor passes on this machine for the local profile', () => {
  const r = run('doctor.ts', []);
  assert.equal(r.code, 0, r.all);
  for (const part of ['MySQL source', 'lake', 'warehouse', 'outputs']) assert.match(r.out, new RegExp(`✓ ${part}`));
});

test('doctor with a wrong MySQL password exits 1 in plain words and never prints the password', () => {
  const secret = 'wrong-Sentinel-pw-42';
  const r = run('doctor.ts', [], { MYSQL_PASSWORD: secret });
  assert.equal(r.code, 1, r.all);
  assert.match(r.out, /✗ MySQL source .*refused the login for user "root"/);
  assert.match(r.out, /fix: Set MYSQL_USER \/ MYSQL_PASSWORD/);
  assert.ok(!r.all.includes(secret), 'the password must not appear');
  assert.doesNotMatch(r.all, /\n\s+at .+:\d+:\d+/);
});

test('doctor says to check the port first when nothing listens on an unusual one, then names the server to start', () => {
  const r = run('doctor.ts', [], { PGPORT: '1' });
  assert.equal(r.code, 1, r.all);
  assert.match(r.out, /✗ warehouse +Cannot reach the warehouse at 127\.0\.0\.1:1: connection refused/);
  assert.match(r.out, /fix: Check the port first: PGPORT is 1, but the warehouse usually listens on 5432/);
  assert.match(r.out, /If the port is right: Start PostgreSQL/);
});

test('doctor says which role is missing in the warehouse', () => {
  const r = run('doctor.ts', [], { PGUSER: 'no_such_role_orderhe' });
  assert.equal(r.code, 1, r.all);
  assert.match(r.out, /has no role "no_such_role_orderhe"/);
});

test('reset without a terminal asks for --yes and removes nothing', () => {
  const r = run('reset.ts', []);
  assertPlainFailure(r, /needs confirmation/);
});
