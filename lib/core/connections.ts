/**
 * The three connections every step talks through, as interfaces: the MySQL source, the S3 lake and the
 * warehouse. Each step folder opens its own (source/connection.ts, lake/connection.ts, warehouse/open.ts with one
 * adapter per warehouse); lib/pipeline.ts hands the openers to the context. Steps see only these interfaces.
 */
import type mysql from 'mysql2/promise';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable, Writable } from 'node:stream';

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

/**
 * What a warehouse can do, declared once by its adapter (lib/warehouse/postgres.ts, pglite.ts, redshift.ts), the way
 * a dlt destination declares its capabilities and a kysely dialect its flags: step code asks these, never the name.
 */
export interface WarehouseCapabilities {
  /**
   * How a lake run reaches staging. 'stream parts': this process reads each part from the lake and streams it
   * into `copyCsvFromStream`. 'copy manifest': the warehouse reads the run from S3 itself (`copyRunFromManifest`).
   */
  readonly lakeLoad: 'stream parts' | 'copy manifest';
  /**
   * TRUNCATE inside an open transaction rolls back with it (PostgreSQL, PGlite), and is instant where a DELETE of
   * millions of rows is not. Redshift's TRUNCATE commits the open transaction, so there tables are emptied with DELETE.
   */
  readonly transactionalTruncate: boolean;
  /**
   * Staging may have been made UNLOGGED by an earlier version of the workbook (PostgreSQL): such tables are made
   * LOGGED again, because PostgreSQL 15 can fail to restart after a crash with a new unlogged relfilenode (see
   * createCoreTables). Redshift has no UNLOGGED; PGlite's staging was never unlogged.
   */
  readonly unloggedTables: boolean;
  /** work_mem for one transaction's sorts and hashes (SET LOCAL), or null: Redshift sizes memory per WLM queue, PGlite's heap is small. */
  readonly sortMemory: string | null;
  /** The planner's statistics are ours to refresh after a load (ANALYZE): PostgreSQL, PGlite. Redshift analyzes COPY targets itself. */
  readonly analyzeAfterLoad: boolean;
  /** CREATE DATABASE when the profile's database is missing: PostgreSQL. A Redshift workgroup comes with its database; PGlite's folder is its database. */
  readonly createsDatabase: boolean;
  /** COMMENT ON TABLE / COLUMN is kept (all three): model descriptions can live in the warehouse's catalog. */
  readonly comments: boolean;
  /**
   * How one pipeline run keeps others off this warehouse (lib/warehouse/run-lock.ts), always held by something that
   * ends with the run. 'advisory lock': a session-level pg_advisory_lock, the holder in its application_name
   * (PostgreSQL). 'session row': Redshift has no advisory locks, so a row names the holder's session and counts only
   * while that session is alive (STV_SESSIONS). 'in process': PGlite lives inside the run's process, so the lock is a
   * socket that process listens on, gone when it exits.
   */
  readonly runLock: 'advisory lock' | 'session row' | 'in process';
  /**
   * How many sessions may work at once: a server behind a pool of connections (PostgreSQL, Redshift) builds
   * independent mart tables side by side; PGlite is one connection, so there everything runs one after another.
   */
  readonly concurrentSessions: number;
  /**
   * How a query's rows reach a CSV file (the mart export). 'copy to stdout': the warehouse writes the CSV itself,
   * `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER)` streamed through `copyCsvToStream` (PostgreSQL): one scan, no
   * row objects in this process. 'paged select': pages of rows read with SELECT and formatted here (Redshift has no
   * COPY TO STDOUT; PGlite has no COPY TO STDOUT either, only COPY TO '/dev/blob', which holds the whole file in memory).
   */
  readonly csvExport: 'copy to stdout' | 'paged select';
}

/** One lake run for a warehouse that reads S3 itself: the run's manifest, and where its rows go. */
export interface ManifestCopy {
  /** `staging.orders` */
  table: string;
  columns: readonly string[];
  bucket: string;
  /** The bucket's region (lake.region). */
  region: string;
  /** The run's manifest.json key. */
  manifestKey: string;
}

export interface Warehouse {
  /** The adapter's name, for messages and notebooks; step code asks `capabilities` instead of comparing it. */
  readonly driver: WarehouseDriverName;
  readonly capabilities: WarehouseCapabilities;
  /** Where it is, for messages (never includes a password). */
  readonly where: string;
  /** One statement with bound parameters ($1, $2, …). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A script of several statements from our own sql/ files (no parameters). */
  exec(sql: string): Promise<void>;
  /**
   * Streams CSV (header line, NULL as \N unquoted) into `COPY table (columns) FROM STDIN`.
   * Returns the number of rows COPY reported. Only where capabilities.lakeLoad is 'stream parts'.
   */
  copyCsvFromStream(table: string, columns: string[], csv: Readable): Promise<number>;
  /**
   * The warehouse loads one lake run itself through its manifest (Redshift's COPY ... MANIFEST) and returns the rows
   * it loaded. Only where capabilities.lakeLoad is 'copy manifest'.
   */
  copyRunFromManifest(run: ManifestCopy): Promise<number>;
  /**
   * Streams `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER)` into `out` and ends it; returns the rows COPY reported.
   * Only where capabilities.csvExport is 'copy to stdout'.
   */
  copyCsvToStream(query: string, out: Writable): Promise<number>;
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection; any throw rolls back. `readOnly` makes the whole transaction
   * refuse writes (for exploration cells). Inside a transaction, a nested call runs in the same one.
   */
  transaction<T>(fn: (tx: Warehouse) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  close(): Promise<void>;
}
