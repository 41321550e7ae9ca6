/**
 * The three connections every step talks through, as interfaces: the MySQL source, the S3 lake and the
 * warehouse. Each step folder opens its own (source/connection.ts, lake/connection.ts, warehouse/open.ts with one
 * adapter per warehouse); lib/pipeline.ts hands the openers to the context. Steps see only these interfaces.
 */
import type mysql from 'mysql2/promise';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export interface SourceDb {
  pool: mysql.Pool;
  database: string;
  close(): Promise<void>;
}

export interface Lake {
  client: S3Client;
  bucket: string;
  /** The URL the client talks to ("AWS S3" for the default AWS endpoint). */
  endpoint: string;
  close(): Promise<void>;
}

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
