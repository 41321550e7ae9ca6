/**
 * The generated shop on disk: one tab-separated file per table under <dataDir>/generated/, in MySQL's
 * default LOAD DATA format (fields by TAB, lines by LF, backslash escapes, \N for NULL, no header), so the
 * pipeline's mysql2 load and the `mariadb` CLI in `npm run bench` read the very same bytes.
 * Columns are in the table registry's order (lib/core/tables.ts), which sql/source/*.sql follows.
 * A manifest.json, written last, says what the files hold.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { OrderHeError } from '../core/errors';
import { DAY_MS } from './calendar';
import { NUMERIC_KINDS, SOURCE_TABLES, TABLES, columnNames, columnOf, type ColumnSpec, type SourceTable } from '../core/tables';

/** The six shop tables, in load order (parents before children): the registry's source tables. */
export type ShopTable = SourceTable;
export const SHOP_TABLE_NAMES: ShopTable[] = [...SOURCE_TABLES];
/** Each table's columns in file order: the registry's order, which the source DDL follows. */
export const SHOP_TABLES: Readonly<Record<ShopTable, readonly string[]>> = Object.fromEntries(SOURCE_TABLES.map((t) => [t, columnNames(t)])) as Record<ShopTable, string[]>;

/** A file of changes to existing rows of one table: its key, then the columns that change. */
export interface UpdateFile {
  readonly table: ShopTable;
  readonly key: string;
  readonly changed: readonly string[];
  /** File order: key first. */
  readonly columns: readonly string[];
}

function updateFile(table: ShopTable, changed: readonly string[]): UpdateFile {
  const { key } = TABLES[table];
  for (const c of changed) columnOf(table, c);
  return { table, key, changed, columns: [key, ...changed] };
}

/** Append mode's extra files, applied with UPDATE ... JOIN on the key. */
export const UPDATE_FILES = {
  /** Orders that moved on: their new status. */
  order_updates: updateFile('orders', ['status', 'updated_at']),
  /** Customers who moved: their new city and region (what a slowly changing dimension keeps history of). */
  customer_updates: updateFile('customers', ['city', 'region', 'country', 'updated_at']),
} as const;
export type UpdateFileName = keyof typeof UPDATE_FILES;
export const ORDER_UPDATE_COLUMNS = UPDATE_FILES.order_updates.columns;
export const CUSTOMER_UPDATE_COLUMNS = UPDATE_FILES.customer_updates.columns;
export type GeneratedFileName = ShopTable | UpdateFileName;

const isUpdateFile = (file: GeneratedFileName): file is UpdateFileName => Object.hasOwn(UPDATE_FILES, file);

/** The registry's columns of a generated file, in the file's order. */
export function fileColumnSpecs(file: GeneratedFileName): ColumnSpec[] {
  return isUpdateFile(file) ? UPDATE_FILES[file].columns.map((c) => columnOf(UPDATE_FILES[file].table, c)) : [...TABLES[file].columns];
}

/** The column names of a generated file, in the file's order (what LOAD DATA names). */
export const fileColumns = (file: GeneratedFileName): readonly string[] => (isUpdateFile(file) ? UPDATE_FILES[file].columns : SHOP_TABLES[file]);

/** No free-text column: only ids, numbers, timestamps and ASCII codes, so the writer may skip UTF-8 encoding. */
export const fileIsAscii = (file: GeneratedFileName): boolean => fileColumnSpecs(file).every((c) => c.kind !== 'text');

/** What a generate run wrote; the source step reads it to know what to load and to refuse stale files. */
export interface GeneratedManifest {
  kind: 'full' | 'append';
  seed: number;
  locale: 'en' | 'ko';
  dirty: boolean;
  /** Full: the orders asked for. Append: the shop's original size (its rate of business). */
  orders: number;
  /** The simulated window, UTC ISO: [from, until). */
  from: string;
  until: string;
  rows: Partial<Record<GeneratedFileName, number>>;
  /** Dirty rows added, by kind (all zero without --dirty). */
  dirtyCounts: DirtyCounts;
  /** Append only: the source this was computed against (its lineage and highest ids), checked before loading. */
  base?: { lineageId: string; maxIds: Record<ShopTable, number> };
  days?: number;
}

export interface DirtyCounts {
  duplicateCustomers: number;
  missingEmails: number;
  missingCities: number;
  malformedEmails: number;
  negativeQuantities: number;
  strayWhitespace: number;
}

export function generatedDir(dataDir: string, kind: 'full' | 'append' = 'full'): string {
  return kind === 'full' ? path.join(dataDir, 'generated') : path.join(dataDir, 'generated', 'append');
}

export function generatedFile(dataDir: string, table: GeneratedFileName, kind: 'full' | 'append' = 'full'): string {
  return path.join(generatedDir(dataDir, kind), `${table}.tsv`);
}

export function readGeneratedManifest(dataDir: string, kind: 'full' | 'append' = 'full'): GeneratedManifest {
  const file = path.join(generatedDir(dataDir, kind), 'manifest.json');
  if (!fs.existsSync(file)) {
    throw new OrderHeError(`No generated shop in ${path.dirname(file)}.`, kind === 'full' ? 'Run the generate step first: npm run pipeline -- --until source' : 'Run generate with --append first: npm run pipeline -- --append --days 1');
  }
  let manifest: Partial<GeneratedManifest> | null = null;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // reported below, with a read error (EISDIR, EACCES) and unparsable text alike
  }
  // Written last by the generate step; anything else there (a cut-off write, a hand edit) must not be trusted.
  if (!manifest || typeof manifest !== 'object' || manifest.kind !== kind || typeof manifest.seed !== 'number' || typeof manifest.orders !== 'number' || !manifest.rows || typeof manifest.rows !== 'object') {
    const again = kind === 'full' ? 'npm run pipeline -- --until source (with the --orders and --seed you want)' : 'npm run pipeline -- --append --days N';
    throw new OrderHeError(`${file} is damaged: it is not the manifest the generate step writes.`, `Generate the files again: ${again}.`);
  }
  return manifest as GeneratedManifest;
}

export function writeGeneratedManifest(dataDir: string, manifest: GeneratedManifest): void {
  const dir = generatedDir(dataDir, manifest.kind);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

// ---- formatting: hot paths, so lookup tables instead of padStart and Date objects ----

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
// Day texts cached by day number (an array from 1990 on: faster than a Map in the hot path).
const DAY_BASE = 7305;
const dayText: string[] = [];

/** UTC epoch ms as MySQL DATETIME(3) text: 2025-03-01 14:05:09.123. */
export function formatTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let text = dayText[day - DAY_BASE];
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (day >= DAY_BASE && day < DAY_BASE + 36_525) dayText[day - DAY_BASE] = text;
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return text + ' ' + PAD2[h] + ':' + PAD2[m] + ':' + PAD2[s] + '.' + PAD3[rest - s * 1000];
}

/** Integer cents as DECIMAL text: 1234 -> 12.34, -5 -> -0.05. Money never touches a float here. */
export function formatCents(cents: number): string {
  if (cents < 0) return '-' + formatCents(-cents);
  const whole = Math.floor(cents / 100);
  return whole + '.' + PAD2[cents - whole * 100];
}

const NEEDS_ESCAPE = /[\t\n\r\\]/;
/** A text field for LOAD DATA: NULL is \N; tab, newline and backslash are escaped. */
export function tsvText(value: string | null): string {
  if (value === null) return '\\N';
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\t\n\r\\]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\'));
}

/**
 * Appends rows to one table file through a 1 MB byte buffer written synchronously when full: memory stays
 * flat, strings never pile up for the garbage collector, and the bytes do not depend on how callers batch rows.
 */
export class TableFileWriter {
  private fd: number;
  private buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  rows = 0;

  /** `ascii`: the table holds only ids, numbers, timestamps and ASCII codes, so bytes can be copied without UTF-8 encoding. */
  constructor(readonly file: string, private readonly ascii = false) {
    this.fd = fs.openSync(file, 'w');
  }

  /** One line, already tab-joined, without the newline. */
  add(line: string): void {
    this.rows++;
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 + 1 > this.buffer.length) {
      this.flush();
      if (line.length * 3 + 1 > this.buffer.length) {
        fs.writeSync(this.fd, line + '\n');
        return;
      }
    }
    this.used += this.ascii ? this.buffer.write(line, this.used, 'latin1') : this.buffer.write(line, this.used);
    this.buffer[this.used++] = 10;
  }

  flush(): void {
    if (this.used > 0) fs.writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Reads LOAD DATA text back into a value (NULL, escapes). */
export function parseTsvField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === '0' ? '\0' : c));
}

/**
 * The first `limit` rows of a generated table as objects, ids and money as numbers (for a look in a
 * notebook with danfojs; the pipeline itself never turns money into floats).
 */
export async function readGeneratedRows(dataDir: string, table: ShopTable, limit = 1000, kind: 'full' | 'append' = 'full'): Promise<Record<string, string | number | null>[]> {
  const columns = TABLES[table].columns.map((c) => ({ name: c.name, numeric: NUMERIC_KINDS.has(c.kind) }));
  const file = generatedFile(dataDir, table, kind);
  if (!fs.existsSync(file)) throw new OrderHeError(`${file} does not exist.`, 'Run the generate step first.');
  const out: Record<string, string | number | null>[] = [];
  const input = fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (out.length >= limit) break;
      const fields = line.split('\t');
      const row: Record<string, string | number | null> = {};
      columns.forEach((c, i) => {
        const v = parseTsvField(fields[i]);
        row[c.name] = v !== null && c.numeric ? Number(v) : v;
      });
      out.push(row);
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return out;
}
