/**
 * Step 2: load the generated shop into the MySQL source.
 *
 * The fast path is LOAD DATA LOCAL INFILE fed from a stream we open ourselves (mysql2's `infileStreamFactory`:
 * the server names a file, we ignore the name and send our own generated file, so no path from input is ever
 * read). It needs `local_infile=ON` on the server. A fresh load replaces the tables' content and writes a new
 * source_lineage row; an append adds the new rows and moves existing orders on, in one transaction.
 * The original project's way, one INSERT per row, stays here as `insertRowByRow` for the lesson and the bench.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import type { PipelineContext } from '../core/context';
import type { RunOptions, StepResult } from '../core/steps';
import { OrderHeError } from '../core/errors';
import { quoteMysqlIdent } from '../core/identifiers';
import { connectToSource, mysqlOptions } from './connection';
import { SOURCE_TABLES, columnNames } from '../core/tables';
import {
  UPDATE_FILES, fileColumns, generatedFile, parseTsvField, readGeneratedManifest,
  type GeneratedFileName, type GeneratedManifest, type ShopTable, type UpdateFileName,
} from '../generate/files';
import { checkRunOptions } from '../generate/generate-shop';
import { readSourceState } from './current-shop';

/** The source's DDL files, in the order they run (sql/source/NN_table.sql). */
export function sourceDdlFiles(projectRoot: string): string[] {
  const dir = path.join(projectRoot, 'sql', 'source');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(dir, f));
}

/** Runs sql/source/*.sql in file order (CREATE TABLE IF NOT EXISTS: safe to run again). */
export async function createSourceSchema(ctx: PipelineContext): Promise<string[]> {
  const { pool } = await ctx.source();
  const files = sourceDdlFiles(ctx.config.projectRoot);
  for (const file of files) await pool.query(fs.readFileSync(file, 'utf8'));
  return files.map((f) => path.basename(f));
}

/**
 * The LOAD DATA statement for one generated file: MySQL's default text format (tab, newline, backslash
 * escapes, \N as NULL), columns named so the file's order is explicit. `file` is the name the server asks
 * the client for; with mysql2 we answer with our own stream whatever it is, the `mariadb` CLI reads it.
 */
export function loadDataStatement(table: GeneratedFileName, options: { into?: string; file?: string } = {}): string {
  const into = quoteMysqlIdent(options.into ?? table, 'table');
  const file = (options.file ?? `${table}.tsv`).replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `LOAD DATA LOCAL INFILE '${file}' INTO TABLE ${into} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${fileColumns(table).join(', ')})`;
}

/** The file's lines, stopping after `limit` of them (the rest is never read). */
async function* fileLines(file: string, limit: number, onRows: (n: number) => void): AsyncGenerator<Buffer> {
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let seen = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let count = 0;
      let at = -1;
      while ((at = chunk.indexOf(10, at + 1)) !== -1) {
        count++;
        if (seen + count === limit) {
          onRows(seen + count);
          yield chunk.subarray(0, at + 1);
          return;
        }
      }
      seen += count;
      onRows(seen);
      yield chunk;
    }
  } finally {
    input.destroy();
  }
}

export interface LoadTiming {
  table: string;
  rows: number;
  seconds: number;
}

/** LOAD DATA LOCAL INFILE of one generated file on an open connection; warnings (truncated or bad values) fail it. */
async function loadFile(conn: mysql.Connection, table: GeneratedFileName, file: string, options: { into?: string; limit?: number; onRows?: (n: number) => void } = {}): Promise<LoadTiming> {
  const started = process.hrtime.bigint();
  const sql = loadDataStatement(table, { into: options.into });
  let result: mysql.ResultSetHeader;
  try {
    [result] = (await conn.query({ sql, infileStreamFactory: () => Readable.from(fileLines(file, options.limit ?? Infinity, options.onRows ?? (() => {}))) })) as unknown as [mysql.ResultSetHeader];
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'ER_LOAD_INFILE_CAPABILITY_DISABLED' || e.code === 'ER_NOT_ALLOWED_COMMAND' || /local_infile|LOCAL INFILE|not allowed/i.test(e.message)) {
      throw new OrderHeError(`The MySQL server refuses LOAD DATA LOCAL INFILE (${e.message}).`, 'Turn it on: SET GLOBAL local_infile = 1; (or local_infile=ON under [mysqld] in the server config; on RDS, in the parameter group).', { cause: err });
    }
    throw err;
  }
  if (result.warningStatus > 0) {
    const [warnings] = (await conn.query('SHOW WARNINGS LIMIT 3')) as unknown as [{ Message: string }[]];
    throw new OrderHeError(`Loading ${table} produced ${result.warningStatus} warning(s), e.g. "${warnings.map((w) => w.Message).join('"; "')}".`, 'The generated files do not match the schema: run the generate step again (--from generate).');
  }
  return { table, rows: result.affectedRows, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * The session settings of a fresh load into just-emptied tables, the same ones `mariadb-import` uses:
 * foreign keys are not checked row by row (the generator builds them right), and on MariaDB 10.11.11+ (11.4.5+,
 * 11.7.2+) `unique_checks = 0` turns on InnoDB's bulk load into an empty table, which sorts and builds the
 * secondary indexes once at the end instead of row by row. Older servers had a bug there (MDEV-34703), so they,
 * like MySQL, keep unique checks on. Measured on this machine: 27.0 s -> 22.0 s for 3.96M order_status_history rows.
 * On MySQL 8 (RDS) only foreign_key_checks = 0 applies: every row's unique and secondary index entries are written as
 * it arrives, so the load is slower, and the rows and checksums are the same (test/source.test.ts pins the versions).
 */
export function bulkLoadSettings(serverVersion: string): string[] {
  const settings = ['SET SESSION foreign_key_checks = 0'];
  const m = /^(\d+)\.(\d+)\.(\d+)-MariaDB/i.exec(serverVersion);
  if (m) {
    const v = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
    if (v >= 110702 || (v >= 110405 && v < 110500) || (v >= 101111 && v < 101200)) settings.push('SET SESSION unique_checks = 0');
  }
  return settings;
}

/** The server's VERSION() string, e.g. "10.11.19-MariaDB-0+deb12u1" or "8.4.3". */
export async function sourceServerVersion(conn: Pick<mysql.Pool, 'query'>): Promise<string> {
  const [rows] = (await conn.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]];
  return rows[0].v;
}

/** A connection of its own: session settings (foreign_key_checks, temporary tables) never leak into the pool. */
async function openLoadConnection(ctx: PipelineContext): Promise<mysql.Connection> {
  const { database } = await ctx.source();
  return connectToSource({ ...mysqlOptions(ctx.config.source), database, multipleStatements: false });
}

/**
 * LOAD DATA of the first `limit` rows of one generated table into `into` (default: the table itself).
 * What the notebook times against `insertRowByRow` on the same slice.
 */
export async function loadDataLocal(ctx: PipelineContext, table: ShopTable, options: { into?: string; limit?: number } = {}): Promise<LoadTiming> {
  const conn = await openLoadConnection(ctx);
  try {
    return await loadFile(conn, table, existingFile(ctx, table), options);
  } finally {
    await conn.end();
  }
}

/** The original project's way: one INSERT statement (and one round trip, one commit) per row. */
export async function insertRowByRow(ctx: PipelineContext, table: ShopTable, options: { into?: string; limit?: number } = {}): Promise<LoadTiming> {
  const into = quoteMysqlIdent(options.into ?? table, 'table');
  const columns = columnNames(table);
  const sql = `INSERT INTO ${into} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  const limit = options.limit ?? Infinity;
  const conn = await openLoadConnection(ctx);
  const started = process.hrtime.bigint();
  let rows = 0;
  const input = fs.createReadStream(existingFile(ctx, table), { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (rows >= limit) break;
      await conn.query(sql, line.split('\t').map(parseTsvField));
      rows++;
      if (rows % 500 === 0) ctx.progress('source', rows, Number.isFinite(limit) ? limit : undefined, 'rows');
    }
  } finally {
    lines.close();
    input.destroy();
    await conn.end();
  }
  return { table, rows, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function existingFile(ctx: PipelineContext, table: GeneratedFileName, kind: 'full' | 'append' = 'full'): string {
  const file = generatedFile(ctx.config.pipeline.dataDir, table, kind);
  if (!fs.existsSync(file)) throw new OrderHeError(`${file} does not exist.`, 'Run the generate step first: npm run pipeline -- --until source');
  return file;
}

/** A new name for a new generation of the source: L<UTC yyyymmddhhmmss>-<seed>-<random> (the one place the clock is used). */
export function newLineageId(seed: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `L${stamp}-${seed}-${crypto.randomBytes(3).toString('hex')}`;
}

export async function loadShopIntoSource(ctx: PipelineContext, options: RunOptions): Promise<StepResult> {
  checkRunOptions(options);
  if (options.append) return applyAppendToSource(ctx);
  const dataDir = ctx.config.pipeline.dataDir;
  const manifest = readGeneratedManifest(dataDir, 'full');
  const wanted = { seed: options.seed, orders: options.orders, locale: options.locale, dirty: options.dirty ?? false };
  const got = { seed: manifest.seed, orders: manifest.orders, locale: manifest.locale, dirty: manifest.dirty };
  if (JSON.stringify(wanted) !== JSON.stringify(got)) {
    throw new OrderHeError(`The generated files are for ${JSON.stringify(got)}, not ${JSON.stringify(wanted)}.`, 'Generate them again with the same options: npm run pipeline -- --from generate --until source ...');
  }
  const schema = await createSourceSchema(ctx);
  const conn = await openLoadConnection(ctx);
  const total = SOURCE_TABLES.reduce((a, t) => a + (manifest.rows[t] ?? 0), 0);
  const timings: LoadTiming[] = [];
  let lineageId: string;
  try {
    // Without its lineage row the source reads as "being rebuilt": the lake refuses to extract a half-loaded shop.
    await conn.query('DELETE FROM source_lineage');
    // Replace, never duplicate: children first. Foreign keys are checked by the generator's construction,
    // not row by row here (the speed of a bulk load); the session settings end with this connection.
    for (const sql of bulkLoadSettings(await sourceServerVersion(conn))) await conn.query(sql);
    for (const t of [...SOURCE_TABLES].reverse()) await conn.query(`TRUNCATE TABLE ${quoteMysqlIdent(t, 'table')}`);
    let before = 0;
    for (const t of SOURCE_TABLES) {
      const timing = await loadFile(conn, t, existingFile(ctx, t), { onRows: (n) => ctx.progress('source', before + n, total, 'rows') });
      if (timing.rows !== manifest.rows[t]) {
        throw new OrderHeError(`Loaded ${timing.rows} ${t} rows but the generated file holds ${manifest.rows[t]}.`, 'Run the generate step again (--from generate).');
      }
      before += timing.rows;
      timings.push(timing);
    }
    await conn.query('SET SESSION foreign_key_checks = 1, unique_checks = 1');
    lineageId = newLineageId(manifest.seed);
    await conn.query('INSERT INTO source_lineage (lineage_id, seed, orders, generated_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))', [lineageId, manifest.seed, manifest.orders]);
  } finally {
    await conn.end();
  }
  return {
    rows: sumRows(timings),
    detail: { method: 'LOAD DATA LOCAL INFILE', lineageId, schema, tables: tablesOf(timings), ...(manifest.dirty ? { dirty: manifest.dirtyCounts } : {}) },
  };
}

const sumRows = (timings: LoadTiming[]) => timings.reduce((a, t) => a + t.rows, 0);
const tablesOf = (timings: LoadTiming[]) => Object.fromEntries(timings.map((t) => [t.table, { rows: t.rows, seconds: Number(t.seconds.toFixed(3)) }]));

const UPDATE_FILE_NAMES = Object.keys(UPDATE_FILES) as UpdateFileName[];

/**
 * The temporary table an update file is loaded into: its key and changed columns, typed exactly as the source
 * table types them (CREATE ... SELECT copies the column definitions), so no column type is written twice.
 */
export function createUpdateTableSql(name: UpdateFileName): string {
  const u = UPDATE_FILES[name];
  const q = (c: string) => quoteMysqlIdent(c, 'column');
  return `CREATE TEMPORARY TABLE ${q(name)} (PRIMARY KEY (${q(u.key)})) SELECT ${u.columns.map(q).join(', ')} FROM ${quoteMysqlIdent(u.table, 'table')} LIMIT 0`;
}

/** Moves the rows named in an update file to their new values: UPDATE ... JOIN on the table's key. */
export function applyUpdatesSql(name: UpdateFileName): string {
  const u = UPDATE_FILES[name];
  const q = (c: string) => quoteMysqlIdent(c, 'column');
  return `UPDATE ${quoteMysqlIdent(u.table, 'table')} t JOIN ${q(name)} u ON u.${q(u.key)} = t.${q(u.key)} ` +
    `SET ${u.changed.map((c) => `t.${q(c)} = u.${q(c)}`).join(', ')}`;
}

/** Appends the generated days: new rows of every table, the new status of existing orders and customers who moved, all or nothing. */
async function applyAppendToSource(ctx: PipelineContext): Promise<StepResult> {
  const manifest: GeneratedManifest = readGeneratedManifest(ctx.config.pipeline.dataDir, 'append');
  const state = await readSourceState(ctx);
  if (!manifest.base || state.lineageId !== manifest.base.lineageId || SOURCE_TABLES.some((t) => state.maxIds[t] !== manifest.base!.maxIds[t])) {
    throw new OrderHeError('The append files were made for a different state of the source (already applied, or the shop was regenerated since).', 'Make them again: npm run pipeline -- --append --days N (generate and source together).');
  }
  const conn = await openLoadConnection(ctx);
  const timings: LoadTiming[] = [];
  const applied: Record<UpdateFileName, number> = { order_updates: 0, customer_updates: 0 };
  try {
    for (const name of UPDATE_FILE_NAMES) await conn.query(createUpdateTableSql(name));
    await conn.query('START TRANSACTION');
    try {
      for (const t of SOURCE_TABLES) {
        if (!manifest.rows[t]) continue;
        timings.push(await loadFile(conn, t, existingFile(ctx, t, 'append')));
      }
      for (const name of UPDATE_FILE_NAMES) {
        if (!manifest.rows[name]) continue;
        await loadFile(conn, name, existingFile(ctx, name, 'append'));
        const [res] = (await conn.query(applyUpdatesSql(name))) as unknown as [mysql.ResultSetHeader];
        applied[name] = res.affectedRows;
      }
      await conn.query('COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    await conn.end();
  }
  const updated = applied.order_updates;
  const moved = applied.customer_updates;
  return {
    rows: sumRows(timings) + updated + moved,
    detail: { method: 'LOAD DATA LOCAL INFILE (append)', lineageId: state.lineageId, from: manifest.from, until: manifest.until, tables: tablesOf(timings), updatedOrders: updated, movedCustomers: moved },
  };
}

/** Row counts of the six shop tables (what the notebook and the reconciliation check). */
export async function countSourceRows(ctx: PipelineContext): Promise<Record<ShopTable, number>> {
  const { pool } = await ctx.source();
  const out = {} as Record<ShopTable, number>;
  for (const t of SOURCE_TABLES) {
    const [rows] = (await pool.query(`SELECT COUNT(*) AS n FROM ${quoteMysqlIdent(t, 'table')}`)) as unknown as [{ n: number | string }[]];
    out[t] = Number(rows[0].n);
  }
  return out;
}

/** CHECKSUM TABLE of the six shop tables: equal checksums, equal content (the determinism check). */
export async function checksumSourceTables(ctx: PipelineContext): Promise<Record<ShopTable, string>> {
  const { pool } = await ctx.source();
  const [rows] = (await pool.query(`CHECKSUM TABLE ${SOURCE_TABLES.map((t) => quoteMysqlIdent(t, 'table')).join(', ')}`)) as unknown as [{ Table: string; Checksum: string | number | null }[]];
  const out = {} as Record<ShopTable, string>;
  for (const r of rows) out[r.Table.split('.').pop() as ShopTable] = String(r.Checksum);
  return out;
}
