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
    // All timestamps are UTC in the source; strings avoid a round-trip through JS Date (and its local zone).
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
    const conn = await mysql.createConnection({ ...mysqlOptions(cfg), database: undefined });
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
  return { pool, database: cfg.database, close: () => pool.end() };
}
