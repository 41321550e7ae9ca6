/**
 * The mart's CSV export has two paths that must write the same bytes: PostgreSQL's own CSV (COPY (SELECT …) TO
 * STDOUT, capabilities.csvExport 'copy to stdout') and SELECT pages formatted by exportCsvField (Redshift, PGlite).
 * Both export the same awkward rows here and the files are compared byte for byte, in UTC and in a time zone whose
 * midnight is not UTC's (a TIMESTAMPTZ on local midnight is written as a calendar day).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testEnv } from './helpers';
import { openWarehouse } from '../lib/warehouse/open';
import { csvExportSelect, exportMartTables } from '../lib/mart/export';
import type { Warehouse } from '../lib/warehouse/adapter';

const env = testEnv('csvexport');
let wh: Warehouse;
const SCHEMA = 'csv_probe';

// Every row has a unique id (so the paged path uses its keyset pages); `tags` repeats its first column (OFFSET pages).
const AWKWARD = `
CREATE SCHEMA ${SCHEMA};
CREATE TABLE ${SCHEMA}.awkward (
  id bigint, day date, at timestamptz, label text, code character(3), name varchar(40),
  amount numeric(12,2), ratio numeric, n integer, s smallint, flag boolean
);
INSERT INTO ${SCHEMA}.awkward VALUES
  (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (2, '2024-02-29', '2024-01-01 00:00:00+00', '', '', '', 0, 0, 0, 0, true),
  (3, '0999-01-01', '2024-01-01 00:00:00.0004+00', 'a,b', 'AB', 'x', -0.50, 'NaN', -2147483648, 32767, false),
  (4, '2024-12-31', '2024-01-01 00:00:00.001+00', 'say "hi"', 'ABC', ' leading', 12345678.91, 12345678901234567890.123456789, 2147483647, -32768, NULL),
  (5, 'infinity', '2025-06-30 23:59:59.999999+00', E'line1\\nline2', ' Z', 'trailing,', 1, 0.0000000001, 1, 1, true),
  (6, '-infinity', '2024-03-10 12:34:56.57+00', E'cr\\r\\nlf', 'ü', '"', 2, 1e20, 2, 2, false),
  (7, '2024-01-01', 'infinity', 'ünïcødé ✓ 한국어 😀', '한', '\\.', 3, -1.5, 3, 3, true),
  (8, '2024-01-02', '-infinity', E'\\\\N', 'N', 'NULL', 4, 2.25, 4, 4, true),
  (9, '2024-01-03', '9999-12-31 00:00:00+00', ' ', '"', '""', 5, 3.125, 5, 5, true),
  (10, '2024-01-04', '2024-07-01 02:00:00+02', E'tab\\there', ',', 'a"b,c', 6, 4, 6, 6, false),
  (11, '2024-01-05', '2024-01-01 05:00:00+00', '=1+2', ';', E'\\n', 7, 5, 7, 7, true),
  (12, '2024-01-06', '2024-03-10 07:00:00.123456+00', 'x', 'y', 'z', 8, 6, 8, 8, false),
  (13, '2024-01-07', '1999-12-31 23:59:59.5-05', 'last', 'row', 'here', 9, 7, 9, 9, true);
CREATE TABLE ${SCHEMA}.tags (tag text, at timestamptz, n bigint);
INSERT INTO ${SCHEMA}.tags VALUES ('b', '2024-01-01 00:00:00+00', 1), ('a', NULL, 2), ('a', '2024-01-01 05:00:00+00', NULL),
  ('', '2024-01-01 00:00:00+00', 3), (NULL, NULL, NULL), ('b', '2024-02-01 00:00:00.999+00', 1), ('c,d', '2024-02-01 01:00:00+00', 9);
`;

before(async () => {
  wh = await openWarehouse(env.config.warehouse, { create: true });
  await wh.exec(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await wh.exec(AWKWARD);
});

after(async () => {
  await wh?.close();
  await env.cleanup();
});

function readAll(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'latin1')]));
}

async function bothPaths(label: string) {
  const dir = fs.mkdtempSync(path.join(env.dataDir, `${label}-`));
  const [copied, paged] = [path.join(dir, 'copy'), path.join(dir, 'paged')];
  // Pages of 3 rows: the paged path goes through several keyset pages (awkward) and OFFSET pages (tags).
  let copies = 0;
  const counted: Warehouse = { ...wh, copyCsvToStream: (query, out) => { copies++; return wh.copyCsvToStream(query, out); } };
  const viaCopy = await exportMartTables(counted, copied, SCHEMA, 3);
  assert.equal(copies, 2, 'both tables went through COPY');
  const viaPages = await exportMartTables(wh, paged, SCHEMA, 3, { paged: true });
  assert.deepEqual(viaCopy.map((e) => [e.table, e.rows]), [['awkward', 13], ['tags', 7]]);
  assert.deepEqual(viaCopy.map((e) => e.rows), viaPages.map((e) => e.rows));
  const [a, b] = [readAll(copied), readAll(paged)];
  assert.deepEqual(Object.keys(a), ['awkward.csv', 'tags.csv'], 'no .tmp file left behind');
  for (const f of Object.keys(b)) assert.equal(a[f], b[f], `${label}: ${f} differs between COPY and paged SELECTs`);
  return { awkward: fs.readFileSync(path.join(copied, 'awkward.csv'), 'utf8'), tags: fs.readFileSync(path.join(copied, 'tags.csv'), 'utf8') };
}

test('PostgreSQL exports with COPY TO STDOUT', () => {
  assert.equal(wh.capabilities.csvExport, 'copy to stdout');
});

test('COPY and the paged SELECTs write the same bytes in UTC: NULLs, empty strings, quotes, commas, newlines, unicode, char padding, timestamps, numerics', async () => {
  const tz = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    const { awkward } = await bothPaths('utc');
    const lines = awkward.split('\n');
    assert.equal(lines[0], 'id,day,at,label,code,name,amount,ratio,n,s,flag');
    assert.equal(lines[1], '1,,,,,,,,,,');
    assert.equal(lines[2], '2,2024-02-29,2024-01-01,,   ,,0.00,0,0,0,true', 'UTC midnight is a calendar day; empty text is empty; char(3) keeps its padding');
    assert.ok(awkward.includes('"say ""hi"""') && awkward.includes('"line1\nline2"') && awkward.includes('ünïcødé ✓ 한국어 😀'));
    assert.ok(awkward.includes('2025-06-30T23:59:59.999Z') && awkward.includes('2024-03-10T12:34:56.570Z'), 'microseconds truncated to milliseconds');
    assert.ok(awkward.includes(',Infinity,') && awkward.includes(',9999-12-31,'));
  } finally {
    process.env.TZ = tz;
  }
});

test('COPY and the paged SELECTs write the same bytes in a time zone whose midnight is not UTC\'s', async () => {
  const tz = process.env.TZ;
  process.env.TZ = 'America/New_York';
  try {
    assert.equal(Intl.DateTimeFormat().resolvedOptions().timeZone, 'America/New_York');
    const { awkward } = await bothPaths('new-york');
    assert.ok(awkward.includes('\n11,2024-01-05,2024-01-01,'), 'New York midnight is a calendar day');
    assert.ok(awkward.includes('\n2,2024-02-29,2024-01-01T00:00:00.000Z,'), 'UTC midnight is not');
  } finally {
    process.env.TZ = tz;
  }
});

test('a column type the COPY path cannot render like exportCsvField makes that table go through pages', () => {
  assert.equal(csvExportSelect('s.t', [{ name: 'id', type: 'bigint' }, { name: 'doc', type: 'jsonb' }], 'UTC'), null);
  assert.equal(csvExportSelect('s.t', [{ name: 'x', type: 'double precision' }, { name: 'id', type: 'bigint' }], 'UTC'), null);
  assert.match(csvExportSelect('s.t', [{ name: 'id', type: 'bigint' }, { name: 'label', type: 'text' }], 'UTC')!, /ORDER BY src\."id", src\."label"$/);
});
