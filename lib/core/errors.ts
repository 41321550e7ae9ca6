/**
 * Errors a person reads: what failed, why, and what fixes it.
 * Every message that leaves the process goes through `redact()`, so a password or key
 * that a driver echoes back (some do, inside connection strings) never reaches a terminal or a notebook.
 */

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

/** One readable sentence (plus the fix) for any error, secrets masked. */
export function describeError(err: unknown, verbose = false): string {
  if (err instanceof OrderHeError) {
    const text = err.fix ? `${err.message}\n  Fix: ${err.fix}` : err.message;
    return redact(verbose && err.stack ? `${text}\n${err.stack}` : text);
  }
  const e = err as { message?: string; stack?: string } | undefined;
  const message = e?.message || String(err);
  return redact(verbose && e?.stack ? e.stack : message);
}
