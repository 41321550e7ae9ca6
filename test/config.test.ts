import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig, loadDotEnv, interpolate } from '../lib/core/config';
import { OrderHeError, redact, registerSecret, describeError } from '../lib/core/errors';
import { ROOT } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-config-'));
function writeConfig(name: string, text: string) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}
function configError(fn: () => unknown): OrderHeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof OrderHeError, `expected an OrderHeError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the config to be refused');
}

test('every shipped profile but aws loads with no environment set', () => {
  for (const profile of ['local', 'embedded', 'compose']) {
    const c = loadConfig({ profile, env: {}, projectRoot: ROOT });
    assert.equal(c.profile, profile);
    assert.equal(c.source.database, 'orderhe');
    assert.equal(c.lake.bucket, 'orderhe-lake');
    assert.equal(typeof c.source.port, 'number');
  }
});

test('the local profile points at the servers on this machine with the documented default names', () => {
  const c = loadConfig({ env: {}, projectRoot: ROOT });
  assert.equal(c.profile, 'local');
  assert.deepEqual([c.source.host, c.source.port, c.warehouse.driver, c.warehouse.database, c.lake.kind], ['127.0.0.1', 3306, 'postgres', 'orderhe_dw', 'embedded']);
  assert.equal(c.lake.dir, path.join(ROOT, 'data', 'lake'));
});

test('ORDERHE_PROFILE picks the profile and the standard variables override the defaults', () => {
  const c = loadConfig({ env: { ORDERHE_PROFILE: 'embedded', MYSQL_PORT: '3310', LAKE_BUCKET: 'my-lake', ORDERHE_DATA_DIR: '/srv/orderhe' }, projectRoot: ROOT });
  assert.equal(c.profile, 'embedded');
  assert.equal(c.warehouse.driver, 'pglite');
  assert.equal(c.source.port, 3310);
  assert.equal(c.lake.bucket, 'my-lake');
  assert.equal(c.warehouse.dir, '/srv/orderhe/warehouse');
});

test('the aws profile names the variable it needs when it is missing', () => {
  const err = configError(() => loadConfig({ profile: 'aws', env: {}, projectRoot: ROOT }));
  assert.match(err.message, /needs the environment variable MYSQL_HOST/);
  assert.match(err.fix ?? '', /export MYSQL_HOST=/);
});

test('an unknown profile is refused with the list of profiles', () => {
  const err = configError(() => loadConfig({ profile: 'prod', env: {}, projectRoot: ROOT }));
  assert.match(err.message, /Unknown profile "prod"/);
  assert.match(err.fix ?? '', /local, embedded, compose, aws/);
});

test('malformed YAML is refused with the file and the line', () => {
  const file = writeConfig('bad.yml', 'source:\n  host: [unclosed\n  port: 3306\n');
  const err = configError(() => loadConfig({ configFile: file, env: {}, projectRoot: ROOT }));
  assert.match(err.message, /bad\.yml is not valid YAML at line \d/);
});

test('a missing key is refused naming the key', () => {
  const text = fs.readFileSync(path.join(ROOT, 'config/local.yml'), 'utf8').replace(/^  host: \$\{MYSQL_HOST.*\n/m, '');
  const err = configError(() => loadConfig({ configFile: writeConfig('nohost.yml', text), env: {}, projectRoot: ROOT }));
  assert.match(err.message, /is missing source\.host/);
});

test('a mistyped key and a wrong type are refused naming the key', () => {
  const base = fs.readFileSync(path.join(ROOT, 'config/local.yml'), 'utf8');
  const typo = configError(() => loadConfig({ configFile: writeConfig('typo.yml', base.replace('  database: ${MYSQL_DATABASE', '  databse: ${MYSQL_DATABASE')), env: {}, projectRoot: ROOT }));
  assert.match(typo.message, /unknown key source\.databse/);
  const port = configError(() => loadConfig({ configFile: writeConfig('port.yml', base), env: { MYSQL_PORT: 'three' }, projectRoot: ROOT }));
  assert.match(port.message, /source\.port must be a whole number, not "three"/);
  const driver = configError(() => loadConfig({ configFile: writeConfig('driver.yml', base.replace('driver: postgres', 'driver: oracle')), env: {}, projectRoot: ROOT }));
  assert.match(driver.message, /warehouse\.driver is "oracle", which is not one of postgres, pglite, redshift/);
});

test('${VAR:-default} falls back on unset and empty variables, ${VAR} requires one', () => {
  assert.equal(interpolate('${A:-x}-${B:-y}', { A: '1', B: '' }, 'f'), '1-y');
  assert.throws(() => interpolate('${NEEDED}', {}, 'f'), /needs the environment variable NEEDED/);
});

test('secrets from the config are masked in messages, also inside connection URLs', () => {
  const c = loadConfig({ env: { MYSQL_PASSWORD: 'sentinel-S3cret-123' }, projectRoot: ROOT });
  assert.equal(c.source.password, 'sentinel-S3cret-123');
  assert.equal(redact('login failed with sentinel-S3cret-123'), 'login failed with ***');
  assert.equal(redact('postgres://bob:pa55word@db:5432/x'), 'postgres://bob:***@db:5432/x');
  registerSecret('another-secret-value');
  assert.doesNotMatch(describeError(new Error('oops another-secret-value')), /another-secret-value/);
});

/** A "billion laughs" inside a valid key: 12 levels of 9 aliases each, 9^12 (282 billion) leaves once walked. */
function aliasBomb(leaf: string): string {
  const lines = [`  locale: [&a0 [${Array(9).fill(leaf).join(',')}]`];
  for (let i = 1; i < 12; i++) lines.push(`    , &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  const base = fs.readFileSync(path.join(ROOT, 'config/local.yml'), 'utf8');
  return base.replace('  locale: en\n', lines.join('\n') + ' ]\n');
}

test('a YAML alias bomb inside a valid key is refused at once with a short message (it took 20-36 s and 1-2 GB)', () => {
  for (const leaf of ['"lol"', '""']) {
    const err = configError(() => loadConfig({ configFile: writeConfig('bomb.yml', aliasBomb(leaf)), env: {}, projectRoot: ROOT }));
    assert.match(err.message, /bomb\.yml uses YAML aliases \(\*name\), which config files do not allow/);
    assert.ok(err.message.length < 200, err.message);
  }
});

test('npm run pipeline with an alias-bomb config exits 1 with a short message', () => {
  // Ports where nothing listens: even a regression could not touch a database. The timeout only stops a hang (the old parser ran for half a minute); the assertions are the exit code and the text.
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/pipeline.ts'), '--config', writeConfig('bomb-cli.yml', aliasBomb('""'))], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MYSQL_PORT: '1', PGPORT: '1' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /uses YAML aliases/);
  assert.ok(r.stderr.length < 400, `short message, got ${r.stderr.length} characters`);
});

test('a value too big to print is shown cut short in the refusal, and an oversized config file is refused unread', () => {
  const base = fs.readFileSync(path.join(ROOT, 'config/local.yml'), 'utf8');
  const long = configError(() => loadConfig({ configFile: writeConfig('long.yml', base.replace('orders: 1000', `orders: "${'9x'.repeat(5000)}"`)), env: {}, projectRoot: ROOT }));
  assert.match(long.message, /pipeline\.orders must be a whole number, not "9x9x.*\.\.\."/);
  assert.ok(long.message.length < 200, long.message);
  const list = configError(() => loadConfig({ configFile: writeConfig('list.yml', base.replace('orders: 1000', `orders: [${Array(50).fill('1').join(',')}]`)), env: {}, projectRoot: ROOT }));
  assert.match(list.message, /pipeline\.orders must be a whole number, not "a list"/);
  const huge = configError(() => loadConfig({ configFile: writeConfig('huge.yml', base + `# ${'x'.repeat(100_000)}\n`), env: {}, projectRoot: ROOT }));
  assert.match(huge.message, /huge\.yml is 10\d,\d{3} bytes; a profile is a few hundred/);
});

test('--config pointing at a folder says it is a folder, not a YAML problem', () => {
  const err = configError(() => loadConfig({ configFile: path.join(ROOT, 'config'), env: {}, projectRoot: ROOT }));
  assert.match(err.message, /Config file .*config is a folder, not a YAML file/);
});

test('.env fills only what the environment leaves unset (shell > .env > profile defaults)', () => {
  const root = fs.mkdtempSync(path.join(tmp, 'root-'));
  fs.writeFileSync(path.join(root, '.env'), 'MYSQL_DATABASE=from_dotenv\nPGDATABASE="quoted_dw" # comment\nLAKE_BUCKET=from-dotenv\n');
  const env: NodeJS.ProcessEnv = { LAKE_BUCKET: 'from-shell' };
  assert.equal(loadDotEnv(root, env), path.join(root, '.env'));
  assert.deepEqual(env, { MYSQL_DATABASE: 'from_dotenv', PGDATABASE: 'quoted_dw', LAKE_BUCKET: 'from-shell' });
  assert.equal(loadDotEnv(path.join(tmp, 'no-such-root'), {}), undefined);
  const c = loadConfig({ env, projectRoot: ROOT });
  assert.deepEqual([c.source.database, c.warehouse.database, c.lake.bucket], ['from_dotenv', 'quoted_dw', 'from-shell']);
});
