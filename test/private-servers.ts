/**
 * Private MariaDB and PostgreSQL servers for crash tests: each in its own temp folder, on its own loopback port,
 * started as a child of the test process (so it is reaped when killed), SIGKILLed for real, restarted with the same
 * command, and removed with its folder at the end, on failure too. Nothing is ever deleted by hand between a kill
 * and the restart: the server has to come back on its own.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';

const PG_BIN = '/usr/lib/postgresql/15/bin';
/** initdb refuses root: PostgreSQL runs as this system user (created once, idempotently). */
export const PG_USER = 'orderhe_crash';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

function run(cmd: string, args: string[], options: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

/** The uid/gid of PG_USER, adding the user when missing (a second run finds it and adds nothing). */
export function ensurePostgresUser(): { uid: number; gid: number } {
  const found = spawnSync('id', ['-u', PG_USER], { encoding: 'utf8' });
  if (found.status !== 0) {
    const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_USER], { encoding: 'utf8' });
    // Another suite may have added it in the meantime (exit 9: already exists).
    if (add.status !== 0 && add.status !== 9) throw new Error(`useradd ${PG_USER} failed: ${add.stderr}`);
  }
  return { uid: Number(run('id', ['-u', PG_USER]).trim()), gid: Number(run('id', ['-g', PG_USER]).trim()) };
}

/** True while the process exists and is not a zombie (backends orphaned by a killed postmaster are reaped by init). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pids of a process's children (for PostgreSQL: its backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, failFast?: () => string | null) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const failed = failFast?.();
    if (failed) throw new Error(failed);
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PrivateServer {
  kind: 'mariadb' | 'postgres';
  port: number;
  dir: string;
  /** The server's log so far (every start appends to it). */
  log(): string;
  start(): Promise<void>;
  /** SIGKILL of the server process itself (the postmaster, mariadbd), then waits until it and its children are gone. */
  kill(): Promise<void>;
  /** Stops it (SIGKILL: the data folder is thrown away) and removes the folder. Safe to call twice. */
  remove(): Promise<void>;
}

function privateServer(kind: PrivateServer['kind'], dir: string, port: number, command: () => { cmd: string; args: string[]; uid?: number; gid?: number },
  ready: () => Promise<boolean>): PrivateServer {
  const logFile = path.join(dir, 'server.log');
  let child: ChildProcess | null = null;
  let exit: Promise<void> = Promise.resolve();
  const server: PrivateServer = {
    kind, port, dir,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async start() {
      const { cmd, args, uid, gid } = command();
      const out = fs.openSync(logFile, 'a');
      if (uid !== undefined) fs.chownSync(logFile, uid, gid!);
      const c = spawn(cmd, args, { stdio: ['ignore', out, out], uid, gid, cwd: dir });
      fs.closeSync(out);
      child = c;
      exit = new Promise((resolve) => c.once('exit', () => resolve()));
      await until(`${kind} on port ${port} to accept connections`, ready, 60_000,
        () => (c.exitCode !== null || c.signalCode !== null ? `${kind} exited (${c.exitCode ?? c.signalCode}) instead of starting:\n${server.log().slice(-3000)}` : null));
    },
    async kill() {
      const c = child;
      if (!c?.pid) return;
      const orphans = childrenOf(c.pid);
      c.kill('SIGKILL');
      await exit;
      child = null;
      // A killed postmaster's backends notice and exit by themselves; PostgreSQL will not start while they live.
      await until(`the killed ${kind}'s processes to exit`, () => orphans.every((p) => !alive(p)), 30_000);
    },
    async remove() {
      try {
        await server.kill();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}

/** A private MariaDB: mariadb-install-db into a temp folder, root with an empty password on 127.0.0.1:port. */
export async function createPrivateMariadb(): Promise<PrivateServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-crash-mariadb-'));
  const port = await freePort();
  try {
    run('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return privateServer('mariadb', dir, port, () => ({
    cmd: '/usr/sbin/mariadbd',
    args: ['--no-defaults', `--datadir=${dir}/data`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${dir}/mariadb.sock`,
      `--pid-file=${dir}/mariadb.pid`, '--user=root', '--local-infile=1', '--innodb-buffer-pool-size=64M'],
  }), async () => {
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
      await c.end();
      return true;
    } catch {
      return false;
    }
  });
}

/** A private PostgreSQL 15: initdb as PG_USER into a temp folder, trust auth for "postgres" on 127.0.0.1:port. */
export async function createPrivatePostgres(): Promise<PrivateServer> {
  const { uid, gid } = ensurePostgresUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-crash-pg-'));
  const port = await freePort();
  try {
    fs.chownSync(dir, uid, gid);
    run(`${PG_BIN}/initdb`, ['-D', `${dir}/data`, '-U', 'postgres', '-A', 'trust', '--no-sync'], { uid, gid });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return privateServer('postgres', dir, port, () => ({
    cmd: `${PG_BIN}/postgres`,
    args: ['-D', `${dir}/data`, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'],
    uid, gid,
  }), async () => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  });
}
