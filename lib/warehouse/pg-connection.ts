/**
 * What the PostgreSQL and Redshift adapters share: both speak the PostgreSQL wire protocol through `pg`.
 * Connection settings, connection errors read as the warehouse's own, and a Warehouse over a pool whose
 * adapter-specific parts (capabilities, how lake data gets in) each adapter supplies.
 */
import pg from 'pg';
import type { WarehouseConfig } from '../core/config';
import { explainConnectionError } from '../core/connect-errors';
import { OrderHeError } from '../core/errors';
import type { Warehouse, WarehouseCapabilities, WarehouseDriverName } from './adapter';

// NUMERIC and BIGINT stay exact strings (money is never a float); COUNT(*) is BIGINT, so read it with ::int where a number is wanted.
const types = {
  getTypeParser: (oid: number, format?: string) => pg.types.getTypeParser(oid, format as 'text'),
};

/** `tls`: Redshift Serverless requires TLS (and its certificate is checked); local PostgreSQL does not offer it. */
export function pgClientConfig(cfg: WarehouseConfig, options: { database?: string; tls: boolean }): pg.ClientConfig {
  return {
    host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password, database: options.database ?? cfg.database,
    connectionTimeoutMillis: 10_000,
    application_name: 'orderhe-workbook',
    ssl: options.tls ? { rejectUnauthorized: true } : undefined,
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
    port: local ? { value: Number(cfg.port), usual: 5432, variable: 'PGPORT' } : undefined,
    start: local ? 'Start PostgreSQL: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or "docker compose up -d postgres" with --profile compose).' : undefined,
  }) ?? (err as Error);
}

/**
 * Runs `fn` on one client connected to `database` of the warehouse server, always closing it. A failed connect reads
 * as the warehouse's own error; errors inside `fn` are left as they are.
 */
export async function withPgClient<T>(cfg: WarehouseConfig, options: { database: string; tls: boolean }, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgClientConfig(cfg, options));
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

/** Opens a pool on the warehouse database and proves one connection works. */
export async function openPgPool(cfg: WarehouseConfig, options: { tls: boolean }): Promise<pg.Pool> {
  const pool = new pg.Pool({ ...pgClientConfig(cfg, options), max: 4 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw warehouseErrorFor(cfg, err);
  }
  return pool;
}

/** What `pg` gives: a pool (each query on any free client) or one client checked out of it. */
export type PgQueryable = Pick<pg.Pool, 'query'> | (Pick<pg.PoolClient, 'query' | 'release'>);
export type PgPoolLike = Pick<pg.Pool, 'query' | 'connect' | 'end'>;

/** The adapter's own parts of a pg-backed Warehouse: its name and capabilities, and how lake data gets in on one connection. */
export interface PgFlavour {
  driver: WarehouseDriverName;
  capabilities: WarehouseCapabilities;
  where: string;
  /** Loading methods bound to `db` (a pool, or the client of an open transaction) and to `self`, the Warehouse on it. */
  loads(db: PgQueryable, self: Warehouse): Pick<Warehouse, 'copyCsvFromStream' | 'copyRunFromManifest' | 'copyCsvToStream'>;
}

/** A Warehouse over a pg pool: `transaction` checks out one client and runs BEGIN (READ ONLY when asked) … COMMIT on it. */
export function pgPoolWarehouse(pool: PgPoolLike, flavour: PgFlavour): Warehouse {
  const w = pgClientWarehouse(pool, flavour);
  return {
    ...w,
    async transaction(fn, options = {}) {
      const client = await pool.connect();
      try {
        // READ ONLY in BEGIN itself: PostgreSQL takes it there as well, and Redshift takes it nowhere else
        // ("BEGIN ... [ READ WRITE | READ ONLY ]", docs.aws.amazon.com/redshift/latest/dg/r_BEGIN.html). A user that
        // can only read the mart (README: "Exploring the mart read-only on Redshift") guards connections opened by hand.
        await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
        const result = await fn(pgClientWarehouse(client, flavour));
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

function pgClientWarehouse(db: PgQueryable, flavour: PgFlavour): Warehouse {
  const base: Omit<Warehouse, 'copyCsvFromStream' | 'copyRunFromManifest' | 'copyCsvToStream'> = {
    driver: flavour.driver,
    capabilities: flavour.capabilities,
    where: flavour.where,
    async query(sql, params) {
      const res = await db.query(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql) {
      await db.query(sql);
    },
    transaction: (fn) => fn(self),
    close: async () => {},
  };
  const self = base as Warehouse;
  Object.assign(self, flavour.loads(db, self));
  return self;
}
