/**
 * The warehouse's half of the run lock (lib/core/run-lock.ts), chosen by the adapter's `capabilities.runLock`:
 * - 'advisory lock' (PostgreSQL): pg_try_advisory_lock on one session held for the run; the session's
 *   application_name carries the holder, so a refused run reads it from pg_stat_activity.
 * - 'session row' (Redshift, which has no advisory locks): a row in public.orderhe_run_lock names the holder and its
 *   session; it counts only while that session is alive in STV_SESSIONS, so a killed run's row never blocks.
 * - 'in process' (PGlite, inside the run's own process): a socket the process listens on, named after the PGlite
 *   folder (Linux: an abstract socket, no file at all); a second run connects and is told who holds it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { WarehouseConfig } from '../core/config';
import { holderTag, parseHolderTag, runLockRefusal, type HeldRunLock, type RunHolder } from '../core/run-lock';
import { pgClientConfig, warehouseErrorFor } from './pg-connection';
import { createDatabaseIfMissing } from './postgres';
import { warehouseAdapter } from './open';

/** pg_advisory_lock's two-int key: "ORDE", "RHE!" (advisory locks are per database, so one key serves every warehouse). */
const ADVISORY_KEY = [0x4f524445, 0x52484521] as const;

export async function holdWarehouseRunLock(cfg: WarehouseConfig, holder: RunHolder): Promise<HeldRunLock> {
  const { capabilities } = warehouseAdapter(cfg);
  switch (capabilities.runLock) {
    case 'advisory lock': return holdAdvisoryLock(cfg, holder, capabilities.createsDatabase);
    case 'session row': return holdSessionRow(cfg, holder);
    case 'in process': return holdProcessSocket(cfg, holder);
  }
}

async function connectHolder(cfg: WarehouseConfig, holder: RunHolder, tls: boolean): Promise<pg.Client> {
  const client = new pg.Client({ ...pgClientConfig(cfg, { tls }), application_name: holderTag(holder) });
  // A lost session loses the lock with it; the run's own connections report the loss.
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    throw warehouseErrorFor(cfg, err);
  }
}

async function holdAdvisoryLock(cfg: WarehouseConfig, holder: RunHolder, createsDatabase: boolean): Promise<HeldRunLock> {
  const what = `warehouse database ${cfg.database}`;
  if (createsDatabase) await createDatabaseIfMissing(cfg);
  const client = await connectHolder(cfg, holder, false);
  try {
    const got = await client.query('SELECT pg_try_advisory_lock($1, $2) AS got', [...ADVISORY_KEY]);
    if (!got.rows[0].got) {
      const found = await client.query(`SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, ADVISORY_KEY.map((k) => k >>> 0));
      const row = found.rows[0] as { application_name?: string; pid?: number } | undefined;
      throw runLockRefusal(what, parseHolderTag(row?.application_name), `PostgreSQL backend ${row?.pid ?? '?'}`);
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw err instanceof Error && err.name === 'OrderHeError' ? err : warehouseErrorFor(cfg, err);
  }
  return { what, release: () => client.end().catch(() => {}) };
}

async function holdSessionRow(cfg: WarehouseConfig, holder: RunHolder): Promise<HeldRunLock> {
  const what = `Redshift database ${cfg.database}`;
  const client = await connectHolder(cfg, holder, true);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS public.orderhe_run_lock (holder VARCHAR(128) NOT NULL, session_pid INTEGER NOT NULL)');
    await client.query('BEGIN');
    // LOCK serializes the check-and-claim below between two runs; it is held only until COMMIT.
    await client.query('LOCK public.orderhe_run_lock');
    const rows = (await client.query('SELECT l.holder, l.session_pid, (SELECT COUNT(*) FROM stv_sessions s WHERE s.process = l.session_pid) AS alive FROM public.orderhe_run_lock l WHERE l.session_pid <> pg_backend_pid()')).rows as { holder: string; session_pid: number; alive: string }[];
    const live = rows.find((r) => Number(r.alive) > 0);
    if (live) throw runLockRefusal(what, parseHolderTag(live.holder), `Redshift session ${live.session_pid}`);
    await client.query('DELETE FROM public.orderhe_run_lock');
    await client.query('INSERT INTO public.orderhe_run_lock (holder, session_pid) VALUES ($1, pg_backend_pid())', [holderTag(holder)]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
    throw err instanceof Error && err.name === 'OrderHeError' ? err : warehouseErrorFor(cfg, err);
  }
  return {
    what,
    async release() {
      await client.query('DELETE FROM public.orderhe_run_lock WHERE session_pid = pg_backend_pid()').catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

async function holdProcessSocket(cfg: WarehouseConfig, holder: RunHolder): Promise<HeldRunLock> {
  const dir = path.resolve(cfg.dir);
  const what = `embedded warehouse ${dir}`;
  const address = process.platform === 'linux'
    ? `\0orderhe-run-${crypto.createHash('sha1').update(dir).digest('hex')}`
    : path.join(dir, '.orderhe-run.sock');
  for (let attempt = 0; attempt < 2; attempt++) {
    const server = net.createServer((socket) => socket.end(holderTag(holder)));
    const listening = await new Promise<true | NodeJS.ErrnoException>((resolve) => {
      server.once('error', resolve);
      if (!address.startsWith('\0')) fs.mkdirSync(dir, { recursive: true });
      server.listen(address, () => resolve(true));
    });
    if (listening === true) {
      // The socket must not keep the process alive on its own.
      server.unref();
      return { what, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    }
    if (listening.code !== 'EADDRINUSE') throw listening;
    const answer = await new Promise<string | null>((resolve) => {
      const socket = net.connect(address);
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('end', () => resolve(text));
      socket.on('error', () => resolve(null));
    });
    if (answer !== null) throw runLockRefusal(what, parseHolderTag(answer), 'another process');
    // Only a socket file can outlive its process (not on Linux): nobody answers, so it is removed and taken.
    fs.rmSync(address, { force: true });
  }
  throw runLockRefusal(what, undefined, 'another process');
}
