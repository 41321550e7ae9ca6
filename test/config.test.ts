import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, interpolate } from '../lib/core/config';
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
