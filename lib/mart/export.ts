/**
 * CSV exports of the mart, one file per table under <dataDir>/out/, for any BI tool (Metabase, a Looker Studio
 * upload, a spreadsheet). This is what the original project fell back to when Looker Studio could not connect.
 * Rows are read a page at a time and written as they come, so a large customer table never sits in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Warehouse } from '../warehouse/adapter';
import { quotePgIdent } from '../core/identifiers';
import { OrderHeError } from '../core/errors';

export const MART_SCHEMA = 'mart';
const PAGE_ROWS = 20_000;

export interface MartExportTable {
  table: string;
  columns: { name: string; type: string }[];
  rows: number;
}

/** The mart's tables with their columns (in table order) and row counts. */
export async function listMartExportTables(wh: Warehouse, schema = MART_SCHEMA): Promise<MartExportTable[]> {
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
  const out: MartExportTable[] = [];
  for (const [table, columns] of byTable) {
    const [{ n }] = await wh.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${quotePgIdent(schema, 'mart schema')}.${quotePgIdent(table, 'mart table')}`);
    out.push({ table, columns, rows: Number(n) });
  }
  return out;
}

/** The first column, quoted, when it is a whole number with no NULL and no repeat (then it orders the rows totally). */
async function uniqueWholeNumberKey(wh: Warehouse, from: string, t: MartExportTable, pageRows: number): Promise<string | null> {
  const first = t.columns[0];
  if (!first || !['bigint', 'integer', 'smallint'].includes(first.type) || t.rows <= pageRows) return null;
  const key = quotePgIdent(first.name, 'mart column');
  const [r] = await wh.query<{ n: string | number; keys: string | number }>(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS keys FROM ${from}`);
  return Number(r.keys) === Number(r.n) ? key : null;
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

/**
 * Writes every mart table to `<outDir>/<table>.csv` (header line, UTF-8). Returns the files and row counts.
 * Pages are ordered by every column so the export is the same on every run. A table whose first column is a
 * unique whole number (mart.orders' order_id) is paged by that key instead (WHERE key > last): OFFSET makes
 * every page sort the rows before it again, which at a million orders is minutes, not seconds.
 */
export async function exportMartTables(wh: Warehouse, outDir: string, schema = MART_SCHEMA, pageRows = PAGE_ROWS): Promise<{ table: string; file: string; rows: number }[]> {
  const tables = await listMartExportTables(wh, schema);
  if (tables.length === 0) {
    throw new OrderHeError(`The warehouse (${wh.where}) has no tables in schema ${schema}, so there is nothing to export.`, 'npm run pipeline -- --from mart');
  }
  fs.mkdirSync(outDir, { recursive: true });
  const written: { table: string; file: string; rows: number }[] = [];
  for (const t of tables) {
    const file = path.join(outDir, `${t.table}.csv`);
    const tmp = `${file}.tmp`;
    const out = fs.createWriteStream(tmp, { encoding: 'utf8' });
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    try {
      await write(t.columns.map((c) => exportCsvField(c.name)).join(',') + '\n');
      const from = `${quotePgIdent(schema, 'mart schema')}.${quotePgIdent(t.table, 'mart table')}`;
      const order = t.columns.map((_, i) => i + 1).join(', ');
      const key = await uniqueWholeNumberKey(wh, from, t, pageRows);
      let rows = 0;
      let last: unknown = null;
      for (;;) {
        const page = key
          ? await wh.query(`SELECT * FROM ${from}${last === null ? '' : ` WHERE ${key} > $1`} ORDER BY ${key} LIMIT ${pageRows}`, last === null ? [] : [last])
          : await wh.query(`SELECT * FROM ${from} ORDER BY ${order} LIMIT ${pageRows} OFFSET ${rows}`);
        for (const r of page) await write(t.columns.map((c) => exportCsvField(r[c.name])).join(',') + '\n');
        rows += page.length;
        if (page.length < pageRows) break;
        last = page[page.length - 1][t.columns[0].name];
      }
      out.end();
      await once(out, 'finish');
      // A reader (a BI tool polling the folder) never sees half a file.
      fs.renameSync(tmp, file);
      written.push({ table: t.table, file, rows });
    } catch (err) {
      out.destroy();
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }
  return written;
}
