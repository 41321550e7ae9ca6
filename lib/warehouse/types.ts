/**
 * One interface for every warehouse (dlt's "destination" idea): PostgreSQL locally, PGlite embedded,
 * Redshift on AWS. Loading and models call only this, so switching warehouses is configuration.
 */
import type { Readable } from 'node:stream';

export type WarehouseDriverName = 'postgres' | 'pglite' | 'redshift';

export interface Warehouse {
  readonly driver: WarehouseDriverName;
  /** Where it is, for messages (never includes a password). */
  readonly where: string;
  /** One statement with bound parameters ($1, $2, …). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A script of several statements from our own sql/ files (no parameters). */
  exec(sql: string): Promise<void>;
  /**
   * Streams CSV (header line, NULL as \N unquoted) into `COPY table (columns) FROM STDIN`.
   * Returns the number of rows COPY reported. Not available on Redshift, which loads from S3 instead.
   */
  copyCsvFromStream(table: string, columns: string[], csv: Readable): Promise<number>;
  /** Runs `fn` inside BEGIN/COMMIT on one connection; any throw rolls back. */
  transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
