/**
 * PostgreSQL through `pg` (and Redshift, which speaks the same protocol). Bulk loads use
 * pg-copy-streams: CSV bytes flow straight into COPY ... FROM STDIN with no temp file.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { WarehouseConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import { explainConnectionError } from '../core/connect-errors';
import { quotePgIdent } from '../core/identifiers';
import { copyFromStdinSql } from './copy-sql';
import type { Warehouse, WarehouseDriverName } from './adapter';

// NUMERIC and BIGINT stay exact strings (money is never a float); COUNT(*) is BIGINT, so read it with ::int where a number is wanted.
const types = {
  getTypeParser: (oid: number, format?: string) => pg.types.getTypeParser(oid, format as 'text'),
};

export function pgClientConfig(cfg: WarehouseConfig, database = cfg.database): pg.ClientConfig {
  return {
    host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password, database,
    connectionTimeoutMillis: 10_000,
    application_name: 'orderhe-workbook',
    // Redshift Serverless requires TLS; local PostgreSQL does not offer it.
    ssl: cfg.driver === 'redshift' ? { rejectUnauthorized: true } : undefined,
    types,
  };
}

export function warehouseErrorFor(cfg: WarehouseConfig, err: unknown): Error {
  const local = cfg.host === '127.0.0.1' || cfg.host === 'localhost';
  const e = err as { code?: string; message?: string };
  if (e.code === '3D000') {
    return new OrderHeError(`The warehouse database "${cfg.database}" does not exist yet.`, 'Run the pipeline up to the warehouse: npm run pipeline -- --until warehouse', { cause: err });
  }
  if (e.code === '28000' && /role .* does not exist/.test(e.message ?? '')) {
    return new OrderHeError(`The warehouse at ${cfg.host}:${cfg.port} has no role "${cfg.user}".`, 'Set PGUSER to an existing role (psql -c "\\du"), or create it: createuser --createdb ' + cfg.user, { cause: err });
  }
  return explainConnectionError('warehouse', `${cfg.host}:${cfg.port}`, err, {
    user: cfg.user,
    start: local ? 'Start PostgreSQL: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or "docker compose up -d postgres" with --profile compose).' : undefined,
  }) ?? (err as Error);
}

/**
 * Runs `fn` on one client of the warehouse server, always closing it. `database` defaults to the maintenance
 * database `postgres` (Redshift has none: there it is the warehouse database itself). A failed connect reads as
 * the warehouse's own error; errors inside `fn` are left as they are.
 */
export async function withWarehouseServer<T>(cfg: WarehouseConfig, fn: (client: pg.Client) => Promise<T>, database = cfg.driver === 'redshift' ? cfg.database : 'postgres'): Promise<T> {
  const client = new pg.Client(pgClientConfig(cfg, database));
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw warehouseErrorFor(cfg, err);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Opens a pool on the warehouse database, creating the database first when `create` is set. */
export async function openPostgres(cfg: WarehouseConfig, options: { create?: boolean } = {}): Promise<Warehouse> {
  if (options.create && cfg.driver === 'postgres') await createDatabaseIfMissing(cfg);
  const pool = new pg.Pool({ ...pgClientConfig(cfg), max: 4 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw warehouseErrorFor(cfg, err);
  }
  return poolWarehouse(pool, cfg.driver, `${cfg.host}:${cfg.port}/${cfg.database}`);
}

async function createDatabaseIfMissing(cfg: WarehouseConfig) {
  try {
    await withWarehouseServer(cfg, async (admin) => {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.database]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${quotePgIdent(cfg.database, 'warehouse.database')}`);
    });
  } catch (err) {
    // Two pipelines creating the same database at once: the loser sees "already exists", which is fine.
    if ((err as { code?: string }).code !== '42P04') throw warehouseErrorFor(cfg, err);
  }
}

type Queryable = pg.Pool | pg.PoolClient;

function poolWarehouse(pool: pg.Pool, driver: WarehouseDriverName, where: string): Warehouse {
  const w = clientWarehouse(pool, driver, where);
  return {
    ...w,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(clientWarehouse(client, driver, where));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function clientWarehouse(db: Queryable, driver: WarehouseDriverName, where: string): Warehouse {
  const self: Warehouse = {
    driver,
    where,
    async query(sql, params) {
      const res = await db.query(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql) {
      await db.query(sql);
    },
    async copyCsvFromStream(table, columns, csv) {
      if (driver === 'redshift') throw new OrderHeError('Redshift does not take COPY FROM STDIN.', 'Load Redshift from the lake with its COPY ... MANIFEST (the redshift driver does this).');
      const client = 'release' in db ? (db as pg.PoolClient) : await (db as pg.Pool).connect();
      try {
        const copy = client.query(copyFrom(copyFromStdinSql(table, columns)));
        // pipeline() destroys both sides when either fails, so a broken source stream aborts COPY instead of hanging it.
        await pipeline(csv, copy);
        return Number(copy.rowCount);
      } finally {
        if (client !== db) client.release();
      }
    },
    transaction: (fn) => fn(self),
    close: async () => {},
  };
  return self;
}
