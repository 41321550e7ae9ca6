/**
 * One adapter per warehouse, each declaring its capabilities: the statements step code gets from them, the
 * factory that is the one place reading `warehouse.driver`, and PostgreSQL's read-only transactions for real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, testEnv } from './helpers';
import { emptyTableSql, sortMemorySql, type WarehouseCapabilities } from '../lib/warehouse/adapter';
import { warehouseAdapter } from '../lib/warehouse/open';
import { POSTGRES_CAPABILITIES } from '../lib/warehouse/postgres';
import { PGLITE_CAPABILITIES } from '../lib/warehouse/pglite';
import { REDSHIFT_CAPABILITIES } from '../lib/warehouse/redshift';
import type { WarehouseConfig } from '../lib/core/config';

const ALL: Record<string, WarehouseCapabilities> = { postgres: POSTGRES_CAPABILITIES, pglite: PGLITE_CAPABILITIES, redshift: REDSHIFT_CAPABILITIES };

test('each warehouse empties a table the way that stays inside the open transaction', () => {
  assert.equal(emptyTableSql(POSTGRES_CAPABILITIES, '"staging"."orders"'), 'TRUNCATE "staging"."orders"');
  assert.equal(emptyTableSql(PGLITE_CAPABILITIES, '"staging"."orders"'), 'TRUNCATE "staging"."orders"');
  assert.equal(emptyTableSql(REDSHIFT_CAPABILITIES, '"staging"."orders"'), 'DELETE FROM "staging"."orders"');
});

test('PostgreSQL keeps its performance settings: 64 MB work_mem and ANALYZE after loads, and only it can hold UNLOGGED staging left by an older version; the others set none of them but ANALYZE on PGlite', () => {
  assert.equal(sortMemorySql(POSTGRES_CAPABILITIES), "SET LOCAL work_mem = '64MB'");
  assert.equal(sortMemorySql(PGLITE_CAPABILITIES), null);
  assert.equal(sortMemorySql(REDSHIFT_CAPABILITIES), null);
  assert.deepEqual(Object.fromEntries(Object.entries(ALL).map(([k, c]) => [k, [c.unloggedTables, c.analyzeAfterLoad]])),
    { postgres: [true, true], pglite: [false, true], redshift: [false, false] });
});

test('only Redshift reads the lake itself; only PostgreSQL creates its database; all three keep COMMENT ON', () => {
  assert.deepEqual(Object.fromEntries(Object.entries(ALL).map(([k, c]) => [k, [c.lakeLoad, c.createsDatabase, c.comments]])), {
    postgres: ['stream parts', true, true], pglite: ['stream parts', false, true], redshift: ['copy manifest', false, true],
  });
});

test('the profile\'s driver picks the adapter, and the adapter says what reset would remove', () => {
  const cfg = { host: 'h', port: 5439, user: 'u', password: 'p', database: 'dev', dir: '/tmp/wh', iamRole: '' };
  for (const driver of ['postgres', 'pglite', 'redshift'] as const) {
    const adapter = warehouseAdapter({ ...cfg, driver } satisfies WarehouseConfig);
    assert.equal(adapter.driver, driver);
    assert.equal(adapter.capabilities, ALL[driver]);
  }
  assert.equal(warehouseAdapter({ ...cfg, driver: 'redshift' }).describeStorage({ ...cfg, driver: 'redshift' }), 'schemas staging, core, mart in Redshift database dev');
  assert.deepEqual(warehouseAdapter({ ...cfg, driver: 'redshift' }).extraChecks({ warehouse: { ...cfg, driver: 'redshift' } } as never), [], 'no IAM role: no COPY probe');
});

test('inside lib/warehouse/ only open.ts (the factory) names a driver to choose by', () => {
  const dir = path.join(ROOT, 'lib', 'warehouse');
  const offenders = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'open.ts')
    .filter((f) => /\.driver\s*[!=]==?|[!=]==?\s*['"](postgres|pglite|redshift)['"]|case\s+['"](postgres|pglite|redshift)['"]/.test(fs.readFileSync(path.join(dir, f), 'utf8')));
  assert.deepEqual(offenders, []);
});

test('a PostgreSQL transaction opened read-only refuses writes and still answers reads', async () => {
  const env = testEnv('adapters');
  const ctx = env.open();
  try {
    const db = await ctx.warehouse();
    assert.equal(db.capabilities, POSTGRES_CAPABILITIES);
    await db.exec('CREATE TABLE IF NOT EXISTS public.ro_probe (n int)');
    assert.deepEqual(await db.transaction((tx) => tx.query('SELECT COUNT(*)::int AS n FROM public.ro_probe'), { readOnly: true }), [{ n: 0 }]);
    await assert.rejects(db.transaction((tx) => tx.exec('INSERT INTO public.ro_probe VALUES (1)'), { readOnly: true }), /read-only transaction/);
    await db.transaction((tx) => tx.exec('INSERT INTO public.ro_probe VALUES (1)'));
    assert.deepEqual(await db.query('SELECT COUNT(*)::int AS n FROM public.ro_probe'), [{ n: 1 }]);
  } finally {
    await ctx.close();
    await env.cleanup();
  }
});
