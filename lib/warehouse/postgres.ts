/**
 * The PostgreSQL adapter (the local profile; Redshift's stand-in: same wire protocol, same COPY idea).
 * Bulk loads use pg-copy-streams: CSV bytes flow straight into COPY ... FROM STDIN with no temp file.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { WarehouseConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import { quotePgIdent } from '../core/identifiers';
import { copyFromStdinSql } from './copy-sql';
import type { Warehouse, WarehouseAdapter, WarehouseCapabilities } from './adapter';
import { openPgPool, pgPoolWarehouse, warehouseErrorFor, withPgClient, type PgQueryable } from './pg-connection';

export const POSTGRES_CAPABILITIES: WarehouseCapabilities = {
  lakeLoad: 'stream parts',
  transactionalTruncate: true,
  // Staging is LOGGED: an UNLOGGED staging TRUNCATEd in the load's transaction made a crashed PostgreSQL 15 refuse
  // to restart (see createCoreTables); tables an older version made UNLOGGED are made LOGGED again.
  unloggedTables: true,
  // PostgreSQL's default 4 MB spills the merge's sorts to disk (measured: 13 s -> 7 s on a 100k-order shop); see useMemoryForSorts.
  sortMemory: '64MB',
  analyzeAfterLoad: true,
  createsDatabase: true,
  comments: true,
  runLock: 'advisory lock',
  // Two mart tables built side by side use both of a small server's cores (measured: see lib/mart/build.ts).
  concurrentSessions: 2,
  // COPY (SELECT …) TO STDOUT: the server formats the CSV in one scan (mart.orders at 200k: 11 s of paged SELECTs -> 1.7 s).
  csvExport: 'copy to stdout',
};

const TLS = { tls: false };
/** Server-level work (does the database exist? create or drop it) happens in the maintenance database `postgres`. */
const withMaintenanceDb = <T>(cfg: WarehouseConfig, fn: (client: pg.Client) => Promise<T>) => withPgClient(cfg, { database: 'postgres', ...TLS }, fn);

/** Opens a pool on the warehouse database, creating the database first when `create` is set. */
export async function openPostgres(cfg: WarehouseConfig, options: { create?: boolean } = {}): Promise<Warehouse> {
  if (options.create && POSTGRES_CAPABILITIES.createsDatabase) await createDatabaseIfMissing(cfg);
  const pool = await openPgPool(cfg, TLS);
  return pgPoolWarehouse(pool, {
    driver: 'postgres', capabilities: POSTGRES_CAPABILITIES, where: `${cfg.host}:${cfg.port}/${cfg.database}`,
    loads: (db) => ({
      copyCsvFromStream: (table, columns, csv) => copyCsvIntoPostgres(db, table, columns, csv),
      copyRunFromManifest: async () => {
        throw new OrderHeError('PostgreSQL does not read the lake itself.', 'Stream each part with copyCsvFromStream (capabilities.lakeLoad is "stream parts").');
      },
      copyCsvToStream: (query, out) => copyCsvOutOfPostgres(db, query, out),
    }),
  });
}

async function copyCsvIntoPostgres(db: PgQueryable, table: string, columns: string[], csv: Readable): Promise<number> {
  const client = 'release' in db ? (db as pg.PoolClient) : await (db as pg.Pool).connect();
  try {
    const copy = client.query(copyFrom(copyFromStdinSql(table, columns)));
    // pipeline() destroys both sides when either fails, so a broken source stream aborts COPY instead of hanging it.
    await pipeline(csv, copy);
    return Number(copy.rowCount);
  } finally {
    if (client !== db) client.release();
  }
}

async function copyCsvOutOfPostgres(db: PgQueryable, query: string, out: Writable): Promise<number> {
  const client = 'release' in db ? (db as pg.PoolClient) : await (db as pg.Pool).connect();
  let failed: Error | undefined;
  try {
    const copy = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`));
    // pipeline() ends `out` when COPY is done and destroys both when either fails (a full disk stops COPY).
    await pipeline(copy, out);
    return Number(copy.rowCount);
  } catch (err) {
    failed = err as Error;
    throw err;
  } finally {
    // A COPY cut off halfway leaves its connection mid-protocol: a pool client is then closed, not reused.
    if (client !== db) (client as pg.PoolClient).release(failed);
  }
}

export async function createDatabaseIfMissing(cfg: WarehouseConfig) {
  try {
    await withMaintenanceDb(cfg, async (admin) => {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.database]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${quotePgIdent(cfg.database, 'warehouse.database')}`);
    });
  } catch (err) {
    // Two pipelines creating the same database at once: the loser sees "already exists", which is fine.
    if ((err as { code?: string }).code !== '42P04') throw warehouseErrorFor(cfg, err);
  }
}

/** Doctor: the server answers, and the database exists or this role may create it. */
export async function checkPostgres(cfg: WarehouseConfig): Promise<string> {
  return withMaintenanceDb(cfg, async (admin) => {
    const version = (await admin.query('SELECT version() AS v')).rows[0].v as string;
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.database])).rowCount! > 0;
    const role = (await admin.query('SELECT rolcreatedb, rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0] as { rolcreatedb?: boolean; rolsuper?: boolean } | undefined;
    if (!exists && !(role?.rolcreatedb || role?.rolsuper)) {
      throw new OrderHeError(`The warehouse database "${cfg.database}" does not exist and role "${cfg.user}" may not create databases.`, `As an admin: CREATE DATABASE ${cfg.database} OWNER ${cfg.user}; (or ALTER ROLE ${cfg.user} CREATEDB;)`);
    }
    return `${cfg.host}:${cfg.port} as ${cfg.user}, ${version.split(' on ')[0]}, database ${cfg.database} ${exists ? 'exists' : 'will be created'}`;
  });
}

export const postgresAdapter: WarehouseAdapter = {
  driver: 'postgres',
  capabilities: POSTGRES_CAPABILITIES,
  open: openPostgres,
  check: checkPostgres,
  extraChecks: () => [],
  describeStorage: (cfg) => `PostgreSQL database ${cfg.database} on ${cfg.host}:${cfg.port}`,
  async drop(cfg, log) {
    await withMaintenanceDb(cfg, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(cfg.database, 'warehouse.database')} WITH (FORCE)`));
    log(`dropped PostgreSQL database ${cfg.database}`);
  },
};
