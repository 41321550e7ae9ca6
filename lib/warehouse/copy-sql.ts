/**
 * The COPY statements of the three warehouses, side by side, for the lake's CSV dialect (lib/lake-format.ts):
 * a header line, RFC 4180 quoting, \N for NULL, "" for the empty string. Names are validated and quoted.
 */
import { OrderHeError } from '../core/errors';
import { quotePgIdent } from '../core/identifiers';

/** `staging.orders` → `"staging"."orders"`; anything but one or two plain names is refused. */
export function quoteTableName(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2) throw new OrderHeError(`"${table}" is not a table name (schema.table).`, 'Name a table as schema.table, e.g. staging.orders.');
  return parts.map((p, i) => quotePgIdent(p, i === parts.length - 1 ? 'table' : 'schema')).join('.');
}

const columnList = (columns: readonly string[]) => columns.map((c) => quotePgIdent(c, 'column')).join(', ');

/** PostgreSQL: the client streams the CSV bytes over the connection (what pg-copy-streams sends). */
export function copyFromStdinSql(table: string, columns: readonly string[]): string {
  return `COPY ${quoteTableName(table)} (${columnList(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true, NULL '\\N')`;
}

/** PGlite: the CSV arrives as a Blob attached to the query (PGlite has no COPY FROM STDIN); only the first blob has the header. */
export function copyFromBlobSql(table: string, columns: readonly string[], header: boolean): string {
  return `COPY ${quoteTableName(table)} (${columnList(columns)}) FROM '/dev/blob' WITH (FORMAT csv, HEADER ${header}, NULL '\\N')`;
}
