/**
 * The table registry (lib/core/tables.ts) and the DDL (sql/source/*.sql, sql/warehouse/staging/*.sql) say the same
 * things: the schemas are created on the real MariaDB and PostgreSQL (this suite's own databases) and each table's
 * columns, order, nullability, key and foreign keys are read back and compared with the registry, and each column's
 * type is checked to fit its kind. A column added to one and not the other fails here, not in a load.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from './helpers';
import type { PipelineContext } from '../lib/core/context';
import { SOURCE_TABLES, TABLES, columnNames, type ColumnKind, type ColumnSpec } from '../lib/core/tables';
import { UPDATE_FILES } from '../lib/generate/files';
import { createSourceSchema } from '../lib/source/load';
import { csvKindOf, csvKindOfColumn } from '../lib/lake/csv';
import { createStagingTables } from '../lib/warehouse/staging-load';
import { createCoreTables } from '../lib/warehouse/core-merge';

const env = testEnv('tables');
let ctx: PipelineContext;

before(async () => {
  ctx = env.open();
});

after(async () => {
  await ctx.close();
  await env.cleanup();
});

/** What information_schema.columns says about one column, in both databases' words (lowercased). */
interface DdlColumn {
  name: string;
  nullable: boolean;
  dataType: string;
  /** MySQL's full type (int(10) unsigned, tinyint(1)); PostgreSQL: same as dataType. */
  columnType: string;
  precision: number | null;
  scale: number | null;
  length: number | null;
  datetimePrecision: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Why a source (MariaDB/MySQL) column's type does not fit the kind, or null when it does. */
function mysqlMisfit(kind: ColumnKind, c: DdlColumn): string | null {
  const unsigned = c.columnType.includes('unsigned');
  switch (kind) {
    case 'id': return ['int', 'bigint'].includes(c.dataType) && unsigned ? null : 'an id is INT or BIGINT UNSIGNED';
    case 'integer': return ['smallint', 'mediumint', 'int', 'bigint'].includes(c.dataType) && !unsigned ? null : 'an integer is a signed SMALLINT, INT or BIGINT';
    case 'money': return c.dataType === 'decimal' && c.scale === 2 ? null : 'money is DECIMAL(p,2)';
    case 'timestamp': return c.dataType === 'datetime' && c.datetimePrecision === 3 ? null : 'a timestamp is DATETIME(3)';
    case 'boolean': return c.columnType === 'tinyint(1)' ? null : 'a boolean is TINYINT(1)';
    case 'text': return c.dataType === 'varchar' ? null : 'text is VARCHAR(n)';
    case 'code': return ['varchar', 'char'].includes(c.dataType) ? null : 'a code is VARCHAR(n) or CHAR(n)';
  }
}

/** Why a staging (PostgreSQL, PGlite, Redshift) column's type does not fit the kind, or null when it does. */
function stagingMisfit(kind: ColumnKind, c: DdlColumn): string | null {
  switch (kind) {
    case 'id': return c.dataType === 'bigint' ? null : 'an id is BIGINT (the source\'s BIGINT UNSIGNED needs more than INTEGER)';
    case 'integer': return ['smallint', 'integer', 'bigint'].includes(c.dataType) ? null : 'an integer is SMALLINT, INTEGER or BIGINT';
    case 'money': return c.dataType === 'numeric' && c.scale === 2 ? null : 'money is NUMERIC(p,2)';
    case 'timestamp': return c.dataType === 'timestamp with time zone' ? null : 'a timestamp is TIMESTAMPTZ (the lake writes UTC with +00)';
    case 'boolean': return c.dataType === 'smallint' ? null : 'a boolean is SMALLINT (the lake writes MySQL\'s 0/1)';
    case 'text': return c.dataType === 'character varying' && c.length !== null ? null : 'text is VARCHAR(n) (Redshift has no unbounded TEXT)';
    case 'code': return ['character varying', 'character'].includes(c.dataType) && c.length !== null ? null : 'a code is VARCHAR(n) or CHAR(n)';
  }
}

/** The registry's column against the DDL's: name (by position), nullability, type, and room for every accepted value. */
function compareColumns(where: string, declared: readonly ColumnSpec[], found: DdlColumn[], misfit: (kind: ColumnKind, c: DdlColumn) => string | null): string[] {
  const problems: string[] = [];
  if (found.map((c) => c.name).join(',') !== declared.map((c) => c.name).join(',')) {
    problems.push(`${where} has the columns (${found.map((c) => c.name).join(', ')}), the registry (${declared.map((c) => c.name).join(', ')})`);
    return problems;
  }
  declared.forEach((spec, i) => {
    const c = found[i];
    if (c.nullable !== (spec.nullable ?? false)) problems.push(`${where}.${spec.name} is ${c.nullable ? 'NULL' : 'NOT NULL'}, the registry says ${spec.nullable ? 'nullable' : 'not nullable'}`);
    const why = misfit(spec.kind, c);
    if (why) problems.push(`${where}.${spec.name} is ${c.columnType}, not of kind ${spec.kind}: ${why}`);
    const longest = Math.max(0, ...(spec.accepted ?? []).map((v) => v.length));
    if (c.length !== null && longest > c.length) problems.push(`${where}.${spec.name} holds ${c.length} characters, an accepted value has ${longest}`);
  });
  return problems;
}

async function sourceColumns(table: string): Promise<DdlColumn[]> {
  const { pool } = await ctx.source();
  const [rows] = (await pool.query(
    `SELECT column_name AS name, is_nullable AS nullable, data_type AS dataType, column_type AS columnType, numeric_precision AS p,
            numeric_scale AS s, character_maximum_length AS len, datetime_precision AS dp
       FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`, [table],
  )) as unknown as [Record<string, unknown>[]];
  return rows.map((r) => ({
    name: String(r.name), nullable: r.nullable === 'YES', dataType: String(r.dataType).toLowerCase(), columnType: String(r.columnType).toLowerCase(),
    precision: num(r.p), scale: num(r.s), length: num(r.len), datetimePrecision: num(r.dp),
  }));
}

async function stagingColumns(table: string, schema = 'staging'): Promise<DdlColumn[]> {
  const db = await ctx.warehouse();
  const rows = await db.query<Record<string, unknown>>(
    `SELECT column_name AS name, is_nullable AS nullable, data_type AS data_type, numeric_precision AS p, numeric_scale AS s,
            character_maximum_length AS len, datetime_precision AS dp
       FROM information_schema.columns WHERE table_schema = $2 AND table_name = $1 ORDER BY ordinal_position`, [table, schema]);
  return rows.map((r) => ({
    name: String(r.name), nullable: r.nullable === 'YES', dataType: String(r.data_type), columnType: String(r.data_type),
    precision: num(r.p), scale: num(r.s), length: num(r.len), datetimePrecision: num(r.dp),
  }));
}

test('the registry is consistent with itself: keys, references, amounts, accepted values and the extract\'s watermark', () => {
  for (const t of SOURCE_TABLES) {
    const spec = TABLES[t];
    const byName = new Map(spec.columns.map((c) => [c.name, c]));
    assert.equal(spec.name, t);
    assert.equal(byName.size, spec.columns.length, `${t} names a column twice`);
    assert.equal(spec.columns[0].name, spec.key, `${t}: the key comes first`);
    assert.equal(byName.get(spec.key)?.kind, 'id', `${t}: the key is an id`);
    assert.equal(byName.get('updated_at')?.kind, 'timestamp', `${t}: the extract's watermark is updated_at`);
    assert.equal(byName.get('updated_at')?.nullable ?? false, false, `${t}.updated_at is never NULL`);
    if (spec.amount) assert.equal(byName.get(spec.amount)?.kind, 'money', `${t}: the reconciled amount is money`);
    for (const c of spec.columns) {
      if (c.references) {
        assert.equal(c.kind, 'id', `${t}.${c.name} points at a row, so it is an id`);
        assert.ok(SOURCE_TABLES.indexOf(c.references) < SOURCE_TABLES.indexOf(t), `${t}.${c.name}: ${c.references} loads before ${t}`);
        assert.equal(c.name, TABLES[c.references].key, `${t}.${c.name} is named as the key of ${c.references}`);
      }
      if (c.accepted) assert.equal(c.kind, 'code', `${t}.${c.name}: only codes have accepted values`);
      assert.ok(c.description.length > 0, `${t}.${c.name} has a description`);
    }
  }
  for (const [name, u] of Object.entries(UPDATE_FILES)) {
    assert.equal(u.columns[0], TABLES[u.table].key, `${name} starts with the key of ${u.table}`);
    for (const c of u.columns) assert.ok(columnNames(u.table).includes(c), `${name}.${c} is a column of ${u.table}`);
  }
});

test('each kind is written to the lake as the DDL type it maps to is (csvKindOf of the source type)', async () => {
  await createSourceSchema(ctx);
  for (const t of SOURCE_TABLES) {
    const found = await sourceColumns(t);
    TABLES[t].columns.forEach((spec, i) => {
      assert.equal(csvKindOfColumn(spec.kind), csvKindOf(found[i].dataType), `${t}.${spec.name} (${spec.kind}, ${found[i].columnType})`);
    });
  }
});

test('sql/source/ creates exactly the registry\'s tables (plus source_lineage), with its columns, order, nullability and kinds', async () => {
  const schema = await createSourceSchema(ctx);
  assert.ok(schema.length > 0);
  const { pool } = await ctx.source();
  const [tables] = (await pool.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`)) as unknown as [{ t: string }[]];
  assert.deepEqual(tables.map((r) => r.t).sort(), [...SOURCE_TABLES, 'source_lineage'].sort());
  const problems: string[] = [];
  for (const t of SOURCE_TABLES) problems.push(...compareColumns(`source ${t}`, TABLES[t].columns, await sourceColumns(t), mysqlMisfit));
  assert.deepEqual(problems, []);
});

test('the source\'s primary keys and foreign keys are the registry\'s keys and references', async () => {
  await createSourceSchema(ctx);
  const { pool } = await ctx.source();
  const [rows] = (await pool.query(
    `SELECT table_name AS t, column_name AS c, constraint_name AS k, referenced_table_name AS rt, referenced_column_name AS rc
       FROM information_schema.key_column_usage WHERE table_schema = DATABASE() ORDER BY table_name, constraint_name, ordinal_position`,
  )) as unknown as [{ t: string; c: string; k: string; rt: string | null; rc: string | null }[]];
  for (const t of SOURCE_TABLES) {
    const mine = rows.filter((r) => r.t === t);
    assert.deepEqual(mine.filter((r) => r.k === 'PRIMARY').map((r) => r.c), [TABLES[t].key], `${t}'s primary key`);
    const foreign = mine.filter((r) => r.rt !== null).map((r) => `${r.c} -> ${r.rt}.${r.rc}`).sort();
    const declared = TABLES[t].columns.filter((c) => c.references).map((c) => `${c.name} -> ${c.references}.${TABLES[c.references!].key}`).sort();
    assert.deepEqual(foreign, declared, `${t}'s foreign keys`);
  }
});

test('sql/warehouse/staging/ creates exactly the registry\'s tables (plus pending_runs), with its columns, order, nullability and kinds', async () => {
  const db = await ctx.warehouse();
  await createStagingTables(db, ctx.config.projectRoot);
  const tables = await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'staging' ORDER BY table_name`);
  assert.deepEqual(tables.map((r) => r.t).sort(), [...SOURCE_TABLES, 'pending_runs'].sort());
  const problems: string[] = [];
  for (const t of SOURCE_TABLES) problems.push(...compareColumns(`staging.${t}`, TABLES[t].columns, await stagingColumns(t), stagingMisfit));
  assert.deepEqual(problems, []);
});

test('staging has room for every source value: its text lengths and money precisions are at least the source\'s', async () => {
  await createSourceSchema(ctx);
  const db = await ctx.warehouse();
  await createStagingTables(db, ctx.config.projectRoot);
  const problems: string[] = [];
  for (const t of SOURCE_TABLES) {
    const source = await sourceColumns(t);
    const staged = await stagingColumns(t);
    TABLES[t].columns.forEach((spec, i) => {
      const [s, w] = [source[i], staged[i]];
      if (spec.kind === 'text' || spec.kind === 'code') {
        if (s.length !== null && (w.length ?? 0) < s.length) problems.push(`${t}.${spec.name}: staging holds ${w.length} characters, the source ${s.length}`);
      }
      if (spec.kind === 'money' && (w.precision ?? 0) < (s.precision ?? 0)) problems.push(`${t}.${spec.name}: staging NUMERIC(${w.precision},2), the source DECIMAL(${s.precision},2)`);
    });
  }
  assert.deepEqual(problems, []);
});

test('staging and core have room in bytes for every source text: free text gets 4 bytes a character, CHAR holds only ASCII codes', async () => {
  // Redshift counts VARCHAR(n) in bytes and its CHAR takes single-byte characters only (Redshift Database Developer
  // Guide, "Preparing your input data", t_preparing-input-data.html); utf8mb4 takes up to 4 bytes a character (a
  // Korean syllable 3). PostgreSQL counts characters, so the wider columns only cost Redshift's byte limit.
  await createSourceSchema(ctx);
  const db = await ctx.warehouse();
  await createCoreTables(db, ctx.config.projectRoot);
  const problems: string[] = [];
  for (const t of SOURCE_TABLES) {
    const source = await sourceColumns(t);
    const coreTable = TABLES[t].core.table.replace(/^core\./, '');
    const places = [{ where: `staging.${t}`, columns: await stagingColumns(t) }, { where: `core.${coreTable}`, columns: await stagingColumns(coreTable, 'core') }];
    TABLES[t].columns.forEach((spec, i) => {
      const chars = source[i].length;
      for (const { where, columns } of places) {
        const c = columns.find((col) => col.name === spec.name);
        if (!c || chars === null) continue;
        if (spec.kind === 'text' && (c.dataType !== 'character varying' || (c.length ?? 0) < 4 * chars)) {
          problems.push(`${where}.${spec.name} is ${c.dataType}(${c.length}): free text of ${chars} characters needs VARCHAR(${4 * chars}) on Redshift`);
        }
        if (c.dataType === 'character' && spec.kind !== 'code') problems.push(`${where}.${spec.name} is CHAR, which Redshift fills with single-byte characters only: it must be an ASCII code`);
      }
    });
  }
  assert.deepEqual(problems, []);
});
