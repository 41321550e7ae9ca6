/**
 * CSV exports of the mart, one file per table under <dataDir>/out/, for any BI tool (Metabase, a Looker Studio
 * upload, a spreadsheet). This is what the original project fell back to when Looker Studio could not connect.
 * The file is streamed either way, so a large table never sits in memory: PostgreSQL writes the CSV itself (COPY TO
 * STDOUT, capabilities.csvExport); elsewhere rows are read a page at a time and formatted here, to the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Warehouse } from '../warehouse/adapter';
import { quotePgIdent } from '../core/identifiers';
import { OrderHeError } from '../core/errors';
import { mapConcurrently } from '../core/concurrency';

export const MART_SCHEMA = 'mart';
const PAGE_ROWS = 20_000;
const EXPORT_CONCURRENCY = 2;

export interface MartExportTable {
  table: string;
  columns: { name: string; type: string }[];
  rows: number;
}

/** The mart's tables with their columns, in table order. */
async function martTableColumns(wh: Warehouse, schema: string): Promise<{ table: string; columns: { name: string; type: string }[] }[]> {
  const cols = await wh.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const byTable = new Map<string, { name: string; type: string }[]>();
  for (const c of cols) {
    if (!byTable.has(c.table_name)) byTable.set(c.table_name, []);
    byTable.get(c.table_name)!.push({ name: c.column_name, type: c.data_type });
  }
  return [...byTable].map(([table, columns]) => ({ table, columns }));
}

/** The mart's tables with their columns (in table order) and row counts. */
export async function listMartExportTables(wh: Warehouse, schema = MART_SCHEMA): Promise<MartExportTable[]> {
  const out: MartExportTable[] = [];
  for (const { table, columns } of await martTableColumns(wh, schema)) {
    const [{ n }] = await wh.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${quotePgIdent(schema, 'mart schema')}.${quotePgIdent(table, 'mart table')}`);
    out.push({ table, columns, rows: Number(n) });
  }
  return out;
}

/** The first column, quoted, when it is a whole number with no NULL and no repeat (then it orders the rows totally). */
async function uniqueWholeNumberKey(wh: Warehouse, from: string, columns: readonly { name: string; type: string }[], pageRows: number): Promise<string | null> {
  const first = columns[0];
  if (!first || !['bigint', 'integer', 'smallint'].includes(first.type)) return null;
  const key = quotePgIdent(first.name, 'mart column');
  const [r] = await wh.query<{ n: string | number; keys: string | number }>(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS keys FROM ${from}`);
  // A table that fits in one page needs no key: OFFSET 0 reads it in one go.
  return Number(r.n) > pageRows && Number(r.keys) === Number(r.n) ? key : null;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** One CSV field: RFC 4180 quoting; NULL as empty; dates as YYYY-MM-DD, timestamps as ISO 8601 UTC. */
export function exportCsvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (v instanceof Date) {
    // pg gives a DATE as local midnight: keep the calendar day.
    s = v.getHours() === 0 && v.getMinutes() === 0 && v.getSeconds() === 0 && v.getMilliseconds() === 0
      ? `${v.getFullYear()}-${p2(v.getMonth() + 1)}-${p2(v.getDate())}`
      : v.toISOString();
  } else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The process's time zone, as exportCsvField sees it (pg turns DATE and TIMESTAMPTZ into local Date objects). */
function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The SQL expression that renders column `c` of type `type` as the text exportCsvField writes for the value pg gives,
 * or null when there is none (the table is then exported page by page). COPY's CSV then quotes it by the same rule
 * (a comma, a double quote, CR or LF) and writes NULL as nothing. `tz` is the process's time zone, a checked literal.
 *  - text: '' becomes NULL, because COPY quotes an empty string ("") and exportCsvField writes nothing;
 *    character(n) is left as it is (its padding is in both; a cast to text would strip it);
 *  - numbers: their own text (pg hands NUMERIC and BIGINT over as that text); booleans: true/false, not t/f;
 *  - DATE: the calendar day (FMYYYY: like getFullYear, no zero padding);
 *  - TIMESTAMPTZ: the calendar day when it falls on local midnight, otherwise toISOString(). Both truncate microseconds
 *    to milliseconds: postgres-date's Math.trunc(1000 * parseFloat(".ffffff")) equals to_char's MS for all 10^6
 *    fractions (checked exhaustively), so 00:00:00.0004 is midnight in both.
 *  - ±infinity: postgres-date gives the number ±Infinity, which String() writes as Infinity.
 */
export function csvTextSql(c: string, type: string, tz: string): string | null {
  const inf = (expr: string) => `CASE WHEN ${c} = 'infinity' THEN 'Infinity' WHEN ${c} = '-infinity' THEN '-Infinity' ELSE ${expr} END`;
  switch (type) {
    case 'bigint': case 'integer': case 'smallint': case 'numeric': case 'character':
      return c;
    case 'boolean':
      return `${c}::text`;
    case 'text': case 'character varying':
      return `NULLIF(${c}, '')`;
    case 'date':
      return inf(`to_char(${c}, 'FMYYYY-MM-DD')`);
    case 'timestamp with time zone': {
      const local = `(${c} AT TIME ZONE '${tz}')`;
      return inf(`CASE WHEN date_trunc('milliseconds', ${local}) = date_trunc('day', ${local}) THEN to_char(${local}, 'FMYYYY-MM-DD')
        ELSE to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END`);
    }
    default:
      return null;
  }
}

/**
 * The SELECT whose `COPY … TO STDOUT WITH (FORMAT csv, HEADER)` is byte for byte what the paged export writes, or null
 * when a column's type has no such rendering. Rows are ordered by every column, as the paged export's pages are (its
 * keyset pages order by a unique first column, which orders the same). Column references are qualified so that ORDER BY
 * sorts the stored values, not the rendered text.
 */
export function csvExportSelect(from: string, columns: readonly { name: string; type: string }[], tz: string): string | null {
  if (columns.length < 2) return null; // COPY quotes a lone \. when it is a row's only field; exportCsvField does not
  const exprs: string[] = [];
  for (const col of columns) {
    const expr = csvTextSql(`src.${quotePgIdent(col.name, 'mart column')}`, col.type, tz);
    if (expr === null) return null;
    exprs.push(`${expr} AS ${quotePgIdent(col.name, 'mart column')}`);
  }
  return `SELECT ${exprs.join(', ')} FROM ${from} AS src ORDER BY ${columns.map((col) => `src.${quotePgIdent(col.name, 'mart column')}`).join(', ')}`;
}

/** The time zone as a SQL literal when the warehouse knows it by that name, else null (the export then pages). */
async function timeZoneLiteral(wh: Warehouse): Promise<string | null> {
  const tz = processTimeZone();
  if (!/^[A-Za-z0-9_+\-\/]+$/.test(tz)) return null;
  try {
    await wh.query(`SELECT now() AT TIME ZONE '${tz}' AS t`);
    return tz;
  } catch {
    return null;
  }
}

/** Writes `file` through `write` into `file.tmp`, renamed when complete: a reader (a BI tool polling the folder) never sees half a file. */
async function writeFileAtomically(file: string, write: (out: fs.WriteStream) => Promise<number>): Promise<number> {
  const tmp = `${file}.tmp`;
  const out = fs.createWriteStream(tmp, { encoding: 'utf8' });
  try {
    const rows = await write(out);
    if (!out.writableFinished) {
      out.end();
      await once(out, 'finish');
    }
    fs.renameSync(tmp, file);
    return rows;
  } catch (err) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The paged export of one table: SELECT pages formatted here (Redshift, PGlite, and a column type COPY cannot match). */
async function writePagedCsv(wh: Warehouse, from: string, t: { columns: { name: string; type: string }[] }, out: fs.WriteStream, pageRows: number): Promise<number> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(t.columns.map((c) => exportCsvField(c.name)).join(',') + '\n');
  const order = t.columns.map((_, i) => i + 1).join(', ');
  const key = await uniqueWholeNumberKey(wh, from, t.columns, pageRows);
  let rows = 0;
  let last: unknown = null;
  for (;;) {
    const page = key
      ? await wh.query(`SELECT * FROM ${from}${last === null ? '' : ` WHERE ${key} > $1`} ORDER BY ${key} LIMIT ${pageRows}`, last === null ? [] : [last])
      : await wh.query(`SELECT * FROM ${from} ORDER BY ${order} LIMIT ${pageRows} OFFSET ${rows}`);
    let text = '';
    for (const r of page) text += t.columns.map((c) => exportCsvField(r[c.name])).join(',') + '\n';
    await write(text);
    rows += page.length;
    if (page.length < pageRows) break;
    last = page[page.length - 1][t.columns[0].name];
  }
  return rows;
}

/**
 * Writes every mart table to `<outDir>/<table>.csv` (header line, UTF-8). Returns the files and row counts.
 * Where the warehouse has COPY TO STDOUT (capabilities.csvExport), it writes the CSV itself, streamed to the file: one
 * scan per table, no rows parsed here (mart.orders at 200k orders: 11 s of paged SELECTs and 4 s of garbage
 * collection became 1–2 s). Elsewhere rows are read a page at a time and written as they come, so a large customer
 * table never sits in memory. Pages are ordered by every column so the export is the same on every run. A table whose
 * first column is a unique whole number (mart.orders' order_id) is paged by that key instead (WHERE key > last):
 * OFFSET makes every page sort the rows before it again, which at a million orders is minutes, not seconds.
 * Both write the same bytes (test/csv-export.test.ts compares them).
 */
export async function exportMartTables(wh: Warehouse, outDir: string, schema = MART_SCHEMA, pageRows = PAGE_ROWS, options: { paged?: boolean } = {}): Promise<{ table: string; file: string; rows: number }[]> {
  const tables = await martTableColumns(wh, schema);
  if (tables.length === 0) {
    throw new OrderHeError(`The warehouse (${wh.where}) has no tables in schema ${schema}, so there is nothing to export.`, 'npm run pipeline -- --from mart');
  }
  fs.mkdirSync(outDir, { recursive: true });
  const tz = wh.capabilities.csvExport === 'copy to stdout' && !options.paged ? await timeZoneLiteral(wh) : null;
  // Two tables at a time: the server sorts one while this process writes the other (PGlite runs them in turn).
  return mapConcurrently(tables, EXPORT_CONCURRENCY, async (t) => {
    const file = path.join(outDir, `${t.table}.csv`);
    const from = `${quotePgIdent(schema, 'mart schema')}.${quotePgIdent(t.table, 'mart table')}`;
    const select = tz === null ? null : csvExportSelect(from, t.columns, tz);
    const rows = await writeFileAtomically(file, (out) => (select !== null ? wh.copyCsvToStream(select, out) : writePagedCsv(wh, from, t, out, pageRows)));
    return { table: t.table, file, rows };
  });
}
