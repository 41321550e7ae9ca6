/**
 * One pipeline at a time on the same databases: two runs interleaving writes into one source or one warehouse
 * would corrupt each other's state (seen: a source mixed from two shops under one lineage row). The lock lives in
 * the databases themselves, not in a file: MySQL's GET_LOCK on the source server (lib/source/run-lock.ts) and the
 * warehouse adapter's own lock (lib/warehouse/run-lock.ts: a PostgreSQL advisory lock, ...). Each is held by a
 * connection of the run, so the server releases it the moment the run ends, however it ends (SIGKILL included):
 * nothing can go stale, and a refusal always names a run that is really there.
 */
import os from 'node:os';
import { OrderHeError } from './errors';

/** Who holds a run lock, as the refusal shows it. */
export interface RunHolder {
  host: string;
  pid: number;
  /** ISO time, to the second. */
  startedAt: string;
}

/** A lock this process holds; release() gives it back (closing its connection). */
export interface HeldRunLock {
  /** What is locked, for messages: "MySQL source database orderhe". */
  readonly what: string;
  release(): Promise<void>;
}

export function thisRun(): RunHolder {
  return { host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}

/** "orderhe 1234@myhost 2026-11-30T17:25:03Z": short enough for PostgreSQL's application_name (63 bytes). */
export function holderTag(h: RunHolder): string {
  return `orderhe ${h.pid}@${h.host.slice(0, 24)} ${h.startedAt}`;
}

export function parseHolderTag(tag: string | null | undefined): RunHolder | undefined {
  const m = /^orderhe (\d+)@(\S+) (\S+)$/.exec(tag ?? '');
  return m ? { pid: Number(m[1]), host: m[2], startedAt: m[3] } : undefined;
}

/** The refusal of a second run: what is locked, by whom, and what to do. `fallback` names the holder when its details are unknown. */
export function runLockRefusal(what: string, holder: RunHolder | undefined, fallback: string): OrderHeError {
  const who = holder ? `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}` : fallback;
  const stop = holder ? ` (kill ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`})` : '';
  return new OrderHeError(`Another pipeline (${who}) is running on the same ${what}.`, `Wait for it to finish, or stop it${stop}, then run again.`);
}
