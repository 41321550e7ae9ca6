/**
 * The MySQL source: the shop's OLTP database (the original project's RDS).
 * Opens a mysql2 pool, creates the database if missing; loading lives in source-load.ts.
 */
import mysql from 'mysql2/promise';
import type { SourceConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import { explainConnectionError } from '../core/connect-errors';
import { quoteMysqlIdent } from '../core/identifiers';
import type { SourceDb } from '../core/connections';

export type { SourceDb } from '../core/connections';

export function mysqlOptions(cfg: SourceConfig): mysql.PoolOptions {
  return {
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    // How mysql2 itself turns JS Dates into DATETIME text and back (client side; with dateStrings, only for
    // parameters). The server's session zone is a different setting: UTC_SESSION_SQL sets that.
    timezone: 'Z',
    dateStrings: true,
    // DECIMAL and BIGINT come back as exact strings: money is never a float here.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    connectTimeout: 10_000,
    // Our SQL files hold several statements; no statement is ever built from user text.
    multipleStatements: true,
    connectionLimit: 4,
  };
}

/**
 * Every source connection runs in UTC, whatever the server's default (RDS: the parameter group's time_zone, often
 * the region's). DATETIME columns are stored as written either way; this is what makes NOW(), CURRENT_TIMESTAMP and
 * any TIMESTAMP column agree with them. An offset, not a zone name: it needs no time-zone tables (MariaDB and MySQL 8).
 */
export const UTC_SESSION_SQL = "SET time_zone = '+00:00'";

type CallbackConnection = { query(sql: string, done: (err: Error | null) => void): unknown };

/** One connection of its own (no pool), already in UTC. */
export async function connectToSource(options: mysql.ConnectionOptions): Promise<mysql.Connection> {
  const conn = await mysql.createConnection(options);
  try {
    await conn.query(UTC_SESSION_SQL);
  } catch (err) {
    await conn.end().catch(() => {});
    throw err;
  }
  return conn;
}

export function sourceErrorFor(cfg: SourceConfig, err: unknown): Error {
  const where = `${cfg.host}:${cfg.port}`;
  return explainConnectionError('MySQL source', where, err, {
    user: cfg.user,
    port: { value: Number(cfg.port), usual: 3306, variable: 'MYSQL_PORT' },
    start: cfg.host === '127.0.0.1' || cfg.host === 'localhost'
      ? 'Start MariaDB: sudo start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd (or "docker compose up -d mysql" with --profile compose).'
      : 'Check that the server is up and that its security group allows your IP on that port.',
  }) ?? (err as Error);
}

/**
 * Runs `fn` on one connection to the MySQL server with no database selected (to create, check or drop the
 * source database), always closing it. Any failure, connecting or inside `fn`, reads as the source's own.
 */
export async function withSourceServer<T>(cfg: SourceConfig, fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  try {
    const conn = await connectToSource({ ...mysqlOptions(cfg), database: undefined });
    try {
      return await fn(conn);
    } finally {
      await conn.end().catch(() => {});
    }
  } catch (err) {
    throw sourceErrorFor(cfg, err);
  }
}

/** Opens the source, creating its database when `create` is set (the pipeline) and failing clearly when not (readers). */
export async function openSource(cfg: SourceConfig, options: { create?: boolean } = {}): Promise<SourceDb> {
  const db = quoteMysqlIdent(cfg.database, 'source.database');
  await withSourceServer(cfg, async (admin) => {
    if (options.create) await admin.query(`CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    else {
      const [rows] = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [cfg.database]);
      if ((rows as unknown[]).length === 0) {
        throw new OrderHeError(`The MySQL database "${cfg.database}" does not exist yet.`, 'Run the pipeline first: npm run pipeline -- --until source');
      }
    }
  });
  const pool = mysql.createPool({ ...mysqlOptions(cfg), database: cfg.database });
  // Each new pooled connection runs UTC_SESSION_SQL first: mysql2 queues a connection's commands in order, so it
  // precedes any query the pool hands that connection. The offset always exists, so it cannot fail on its own.
  // (The event hands over mysql2's callback connection, whatever promise.d.ts says: measured, mysql2 3.x.)
  pool.on('connection', (conn) => { (conn as unknown as CallbackConnection).query(UTC_SESSION_SQL, () => {}); });
  return { pool, database: cfg.database, close: () => pool.end() };
}
