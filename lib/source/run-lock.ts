/**
 * The source's half of the run lock (lib/core/run-lock.ts): MySQL's GET_LOCK, named after the source database and
 * held by one connection for the whole run. MySQL cannot show who holds a named lock, so the holder also writes
 * itself into a one-row table, pipeline_run_lock, keyed by its connection id: a row left by a killed run names a
 * connection that no longer holds the lock, and is simply replaced.
 */
import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import type { SourceConfig } from '../core/config';
import { quoteMysqlIdent } from '../core/identifiers';
import { runLockRefusal, type HeldRunLock, type RunHolder } from '../core/run-lock';
import { mysqlOptions, sourceErrorFor } from './connection';

/** GET_LOCK names are at most 64 characters; the lock is per source database (the namespace is the whole server). */
export function sourceRunLockName(database: string): string {
  const name = `orderhe-run:${database}`;
  return name.length <= 64 ? name : `orderhe-run:${crypto.createHash('sha1').update(database).digest('hex')}`;
}

export async function holdSourceRunLock(cfg: SourceConfig, holder: RunHolder): Promise<HeldRunLock> {
  const db = quoteMysqlIdent(cfg.database, 'source.database');
  const what = `MySQL source database ${cfg.database}`;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ ...mysqlOptions(cfg), database: undefined });
  } catch (err) {
    throw sourceErrorFor(cfg, err);
  }
  // If the server goes away the lock goes with it; the run's own connections report the loss.
  conn.on('error', () => {});
  try {
    const [[got]] = (await conn.query('SELECT GET_LOCK(?, 0) AS got, CONNECTION_ID() AS id', [sourceRunLockName(cfg.database)])) as unknown as [{ got: number | null }[]];
    if (Number(got.got) !== 1) {
      const [[used]] = (await conn.query('SELECT IS_USED_LOCK(?) AS id', [sourceRunLockName(cfg.database)])) as unknown as [{ id: number | null }[]];
      let row: { host: string; pid: number; started_at: string } | undefined;
      try {
        [[row]] = (await conn.query(`SELECT host, pid, started_at FROM ${db}.pipeline_run_lock WHERE connection_id = ?`, [used.id])) as unknown as [{ host: string; pid: number; started_at: string }[]];
      } catch {
        // The holder has not written its row yet: it is named by its connection instead.
      }
      throw runLockRefusal(what, row && { host: row.host, pid: Number(row.pid), startedAt: row.started_at }, `MySQL connection ${used.id ?? '?'}`);
    }
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.query(`CREATE TABLE IF NOT EXISTS ${db}.pipeline_run_lock (
      connection_id BIGINT UNSIGNED NOT NULL PRIMARY KEY COMMENT 'the connection holding GET_LOCK(orderhe-run:<database>)',
      host VARCHAR(255) NOT NULL, pid INT UNSIGNED NOT NULL, started_at VARCHAR(32) NOT NULL
    ) ENGINE=InnoDB COMMENT 'who holds the pipeline run lock (lib/source/run-lock.ts); the lock itself is GET_LOCK'`);
    await conn.query(`DELETE FROM ${db}.pipeline_run_lock`);
    await conn.query(`INSERT INTO ${db}.pipeline_run_lock (connection_id, host, pid, started_at) VALUES (CONNECTION_ID(), ?, ?, ?)`, [holder.host, holder.pid, holder.startedAt]);
  } catch (err) {
    await conn.end().catch(() => {});
    throw err instanceof Error && err.name === 'OrderHeError' ? err : sourceErrorFor(cfg, err);
  }
  return {
    what,
    async release() {
      await conn.query(`DELETE FROM ${db}.pipeline_run_lock WHERE connection_id = CONNECTION_ID()`).catch(() => {});
      await conn.end().catch(() => conn.destroy());
    },
  };
}
