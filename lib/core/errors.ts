/**
 * Errors a person reads: what failed, why, and what fixes it.
 * Every message that leaves the process goes through `redact()`, so a password or key
 * that a driver echoes back (some do, inside connection strings) never reaches a terminal or a notebook.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A failure the user can fix; `fix` is the command or setting that does it. */
export class OrderHeError extends Error {
  readonly fix?: string;
  constructor(message: string, fix?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrderHeError';
    this.fix = fix;
  }
}

const secrets = new Set<string>();

/** Remember a secret value so that `redact()` masks it wherever it appears. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values ("", "a") would mask ordinary words; nobody's real secret is that short.
  if (value && value.length >= 4) secrets.add(value);
}

/** Masks every registered secret and any password inside a connection URL. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  // postgres://user:pass@host, mysql://user:pass@host, http://key:secret@host
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi, '$1***@');
}

/** A value as it may appear in a message: one line, at most 60 characters, never a whole parsed structure. */
export function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  const s = String(value).replace(/\s+/g, ' ').trim();
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

interface SystemError { code?: string; errno?: number; path?: string; dest?: string; syscall?: string; address?: string; port?: number; message?: string; severity?: string; sqlState?: string; fatal?: boolean }

/** Where a failure happened, when the error itself does not say: the step and the data folder it writes. */
export interface FailureContext {
  step?: string;
  dataDir?: string;
  /** The folders the run writes (core/preflight.ts foldersWritten): a full disk is named by the folder on it. */
  folders?: string[];
}

/** Of the folders a run writes, the first whose disk has (almost) no room left; undefined when none can be told. */
function fullFolder(folders: string[]): string | undefined {
  for (const dir of folders) {
    let probe = dir;
    for (;;) {
      try {
        const s = fs.statfsSync(probe);
        if (s.bavail * s.bsize < 256 * 1024) return dir;
        break;
      } catch {
        const up = path.dirname(probe);
        if (up === probe) break;
        probe = up;
      }
    }
  }
  return undefined;
}

const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'ER_QUERY_INTERRUPTED', '57P01', '57P02', '57P03']);
const CONNECTION_LOST_TEXT = /terminating connection|Connection terminated unexpectedly|server closed the connection unexpectedly|Lost connection to (MySQL|MariaDB) server|Connection lost: The server closed the connection|socket hang up/i;

/**
 * A failed system call or a dropped server connection, in words a person acts on; undefined when not one of those.
 * ENOSPC from a write stream carries no path, so `context.dataDir` names the folder being written.
 */
export function explainSystemError(err: unknown, context: FailureContext = {}): OrderHeError | undefined {
  if (err instanceof OrderHeError || err === null || typeof err !== 'object') return undefined;
  const e = err as SystemError;
  const code = e.code ?? '';
  // A write stream's ENOSPC carries no path: the folder on the full disk is found by asking each disk for its room.
  // rename(tmp, final) onto a folder: the folder in the way is the destination.
  const target = e.dest ?? e.path ?? (code === 'ENOSPC' || code === 'EDQUOT' ? fullFolder([...(context.folders ?? []), ...(context.dataDir ? [context.dataDir] : [])]) : undefined) ?? context.dataDir;
  const at = target ? ` ${target}` : '';
  const moveData = 'set ORDERHE_DATA_DIR to a folder on a writable disk with room';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new OrderHeError(`The disk is full: no space left to write${at || ' the data folder'} (${code}).`,
        `Free space on that disk (npm run reset removes this project's data), or ${moveData}, then run again.`, { cause: err });
    case 'EROFS':
      return new OrderHeError(`Cannot write${at}: it is on a read-only file system (EROFS).`, `Remount it read-write, or ${moveData}.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      if (e.path) return new OrderHeError(`Permission denied on ${e.path} (${code}).`, `Give your user write access to it, or ${moveData}.`, { cause: err });
      break;
    case 'ENOTDIR':
      return new OrderHeError(`Cannot use${at} as a folder: part of that path is a file (ENOTDIR).`, `Move that file away, or ${moveData}.`, { cause: err });
    case 'EISDIR':
      return new OrderHeError(`${target ?? 'A path'} is a folder where a file was expected (EISDIR).`, 'Remove or rename that folder (npm run reset clears the data folder), then run again.', { cause: err });
    case 'EADDRINUSE':
      return new OrderHeError(`Port ${e.port ?? '?'} on ${e.address ?? '127.0.0.1'} is already in use by another program.`, 'Stop that program, or pick a free port with --port (--port 0 picks any free one).', { cause: err });
  }
  if (CONNECTION_LOST_CODES.has(code) || CONNECTION_LOST_TEXT.test(e.message ?? '')) {
    const mysql = /^(ER_|PROTOCOL_)/.test(code) || e.sqlState !== undefined || /MySQL|MariaDB/.test(e.message ?? '');
    const pg = /^57P/.test(code) || e.severity !== undefined || /terminat|postmaster/i.test(e.message ?? '');
    const part = mysql ? 'the MySQL source' : pg ? 'the warehouse' : context.step === 'source' ? 'the MySQL source' : context.step === 'lake' ? 'a server' : 'the warehouse';
    const rerun = context.step ? `npm run pipeline -- --from ${context.step}` : 'the same command';
    return new OrderHeError(`The connection to ${part} was lost in the middle of ${context.step ? `the ${context.step} step` : 'the run'} (${shown(e.message || code).replace(/\.$/, "")}).`,
      `Check that the server is up again (npm run doctor), then run ${rerun}: nothing half-done is visible downstream.`, { cause: err });
  }
  return undefined;
}

/** One readable sentence (plus the fix) for any error, secrets masked. */
export function describeError(err: unknown, verbose = false, context: FailureContext = {}): string {
  const explained = explainSystemError(err, context);
  if (explained) err = Object.assign(explained, { stack: `${explained.message}\n${(err as Error).stack ?? ''}` });
  if (err instanceof OrderHeError) {
    const text = err.fix ? `${err.message}\n  Fix: ${err.fix}` : err.message;
    return redact(verbose && err.stack ? `${text}\n${err.stack}` : text);
  }
  const e = err as { message?: string; stack?: string } | undefined;
  // Unknown errors: the first line only (some drivers put a whole query or file into the message), bounded.
  const message = (e?.message || String(err)).split('\n')[0];
  return redact(verbose && e?.stack ? e.stack : message.length > 300 ? `${message.slice(0, 297)}...` : message);
}
