/**
 * The lake's CSV dialect (see lake-format.ts), written and read by hand. The encoder comes twice: csvLine in
 * JavaScript (the reference, and what the tests compare with) and csvLineSql, the same rules as SQL the source
 * runs in the extract's SELECT, the hot path every row of every table goes through. The reader only needs to
 * understand what we write.
 *
 * Written so that PostgreSQL `COPY ... (FORMAT csv, HEADER true, NULL '\N')` and Redshift
 * `COPY ... CSV IGNOREHEADER 1` (whose default null string is \N) read back exactly the value MySQL had:
 * NULL is an unquoted \N, the empty string is "", and anything that could be mistaken for either is quoted.
 */

import { NUMERIC_KINDS, type ColumnKind } from '../core/tables';

/** A value as mysql2 returns it with dateStrings/bigNumberStrings: strings, small integers as numbers, or null. */
export type SourceValue = string | number | bigint | null | Buffer;

export const CSV_NULL = '\\N';
const NEEDS_QUOTES = /[",\r\n]/;

/** One field. `timestamp` adds '+00': MySQL DATETIME has no zone, and our source stores UTC. */
export function csvField(value: SourceValue, timestamp = false): string {
  if (value === null || value === undefined) return CSV_NULL;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const s = typeof value === 'string' ? value : value.toString('utf8');
  if (timestamp) return s + '+00';
  if (s === '') return '""';
  if (s === CSV_NULL || NEEDS_QUOTES.test(s)) return '"' + s.replace(/"/g, '""') + '"';
  return s;
}

/** One line, LF-terminated. `timestamps[i]` says whether column i is a DATETIME/TIMESTAMP. */
export function csvLine(values: readonly SourceValue[], timestamps: readonly boolean[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvField(values[i], timestamps[i]);
  }
  return line + '\n';
}

/** How a source column is written: timestamps get '+00', numbers go as they are, text may need quotes. */
export type CsvKind = 'timestamp' | 'number' | 'text' | 'binary';

/** How a column of the table registry is written: the same answer csvKindOf gives for its DDL type (test/tables.test.ts). */
export function csvKindOfColumn(kind: ColumnKind): CsvKind {
  if (kind === 'timestamp') return 'timestamp';
  return NUMERIC_KINDS.has(kind) ? 'number' : 'text';
}

/** The kind of a MySQL column from information_schema.columns.data_type (any table, the registry's or not). */
export function csvKindOf(dataType: string): CsvKind {
  const t = dataType.toLowerCase();
  if (t === 'datetime' || t === 'timestamp') return 'timestamp';
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|double|year)$/.test(t)) return 'number';
  if (/(binary|blob)$/.test(t)) return 'binary';
  return 'text';
}

// '\N' and the regex [",\r\n] as hex literals: no backslash in the SQL, so the server's sql_mode
// (NO_BACKSLASH_ESCAPES) cannot change their meaning.
const SQL_CSV_NULL = "_utf8mb4 X'5C4E'";
const SQL_NEEDS_QUOTES = "_utf8mb4 X'5B222C0D0A5D'";

/**
 * csvField done by the server, for one column (`column` already quoted): the same text, byte for byte.
 * Empty and \N are compared with CHAR_LENGTH and a binary comparison because utf8mb4_unicode_ci ignores trailing
 * spaces. CAST(... AS BINARY), not the `BINARY expr` operator: MySQL 8.0.27 deprecated that (warning 1287) and
 * will remove it; the CAST means the same on MariaDB and MySQL ("Cast Functions and Operators", MySQL 8.0 manual).
 */
export function csvFieldSql(column: string, kind: CsvKind): string {
  if (kind === 'timestamp') return `IFNULL(CONCAT(${column}, '+00'), ${SQL_CSV_NULL})`;
  if (kind === 'number') return `IFNULL(${column}, ${SQL_CSV_NULL})`;
  const c = kind === 'binary' ? `CONVERT(${column} USING utf8mb4)` : column;
  return `IF(${c} IS NULL, ${SQL_CSV_NULL}, IF(CHAR_LENGTH(${c}) = 0, '""', ` +
    `IF(CAST(${c} AS BINARY) = ${SQL_CSV_NULL} OR ${c} REGEXP ${SQL_NEEDS_QUOTES}, CONCAT('"', REPLACE(${c}, '"', '""'), '"'), ${c})))`;
}

/**
 * csvLine done by the server, without the newline: one string per row reaches the client instead of one per
 * field. The extract's hot path: mysql2 parsing every field was most of its CPU (measured on 3.96M status
 * changes: 15.6 s client-side, 10.6 s with the server writing the line, gzip -1 in both).
 */
export function csvLineSql(columns: readonly { sql: string; kind: CsvKind }[]): string {
  return `CONCAT_WS(',', ${columns.map((c) => csvFieldSql(c.sql, c.kind)).join(', ')})`;
}

/**
 * Incremental reader of the dialect: push text as it arrives (chunks may split a field, a quote or a line),
 * get back complete rows. An unquoted \N is null; a quoted field is always a string.
 */
export class CsvRowParser {
  private field = '';
  private quoted = false;
  private inQuotes = false;
  private quotePending = false; // saw a quote inside quotes: either a doubled quote or the closing one
  private row: (string | null)[] = [];
  private fieldStarted = false;

  push(text: string): (string | null)[][] {
    const rows: (string | null)[][] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') { this.field += '"'; continue; }
          this.inQuotes = false; // that quote closed the field; fall through to handle c
        } else if (c === '"') { this.quotePending = true; continue; }
        else { this.field += c; continue; }
      }
      if (c === '"' && !this.fieldStarted) { this.inQuotes = true; this.quoted = true; this.fieldStarted = true; }
      else if (c === ',') this.endField();
      else if (c === '\n') { this.endField(); rows.push(this.row); this.row = []; }
      else if (c === '\r') { /* CRLF from other writers: the LF ends the line */ }
      else { this.field += c; this.fieldStarted = true; }
    }
    return rows;
  }

  /** Call at the end of input: returns the last row when the text did not end with a newline. */
  end(): (string | null)[][] {
    if (this.quotePending) { this.quotePending = false; this.inQuotes = false; }
    if (this.fieldStarted || this.row.length > 0) {
      this.endField();
      const last = this.row;
      this.row = [];
      return [last];
    }
    return [];
  }

  private endField() {
    this.row.push(!this.quoted && this.field === CSV_NULL ? null : this.field);
    this.field = '';
    this.quoted = false;
    this.fieldStarted = false;
  }
}
