/** What every command shares: profile flags, progress on stderr, and one readable line on failure. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, explainSystemError, OrderHeError, shown, type FailureContext } from '../../lib/core/errors';
import type { Progress } from '../../lib/core/context';
import { progressText } from '../../lib/core/progress';

export const COMMON_OPTIONS = {
  profile: { type: 'string' },
  config: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `positionals`: how many bare words the command takes (lake: its sub-command; notebooks: names); others take none. */
export function parseCli<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string, argv = process.argv.slice(2), positionals = 0) {
  // "--orders -5": parseArgs would take -5 for an option; join it to its flag so it gets the real message ("must be at least 1").
  const args: string[] = [];
  for (const a of argv) {
    const flag = args[args.length - 1];
    if (/^-\d/.test(a) && flag?.startsWith('--') && !flag.includes('=')) args[args.length - 1] = `${flag}=${a}`;
    else args.push(a);
  }
  try {
    const parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true });
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(usage.trim() + '\n');
      process.exit(0);
    }
    const extra = parsed.positionals.slice(positionals);
    if (extra.length) throw new Error(`Unexpected argument '${shown(extra[0])}'${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`);
    return parsed;
  } catch (err) {
    // parseArgs says e.g. "Unknown option '--ordrs'"; add where the list of options is.
    fail(new OrderHeError(`${(err as Error).message.replace(/\.?$/, '.')}`, `See the options with --help.`), false);
  }
}

/** What a command knows about where it works (its data folder), for errors that do not say (ENOSPC from a stream). */
export const failureContext: FailureContext = {};

/** Prints the error as one or two sentences (a stack only with --verbose) and exits 1. */
export function fail(err: unknown, verbose: boolean): never {
  clearProgress();
  process.stderr.write(`✗ ${describeError(err, verbose, failureContext)}\n`);
  if (!verbose && !(err instanceof OrderHeError) && !explainSystemError(err, failureContext)) process.stderr.write('  (run again with --verbose for details)\n');
  process.exit(1);
}

export async function main(run: (verbose: boolean) => Promise<void>): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  // An 'error' event nobody listens to (a write stream inside the embedded lake server on a full disk) would
  // otherwise end the process with Node's own stack trace.
  process.on('uncaughtException', (err) => fail(err, verbose));
  // Output piped into a reader that stopped (| head): nothing more to say, and no stack about it.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); else fail(err, verbose); });
  process.on('unhandledRejection', (err) => fail(err, verbose));
  try {
    await run(verbose);
  } catch (err) {
    fail(err, verbose);
  }
}

let progressShown = false;
let lastDraw = 0;
/** One updating line on a terminal; on a pipe (CI, logs) a line every few seconds instead of silence. */
export const cliProgress: Progress = (step, done, total, unit = 'rows') => {
  const now = Date.now();
  const tty = process.stderr.isTTY;
  if (now - lastDraw < (tty ? 100 : 5000) && !(total !== undefined && done >= total)) return;
  lastDraw = now;
  const text = `  ${progressText(step, done, total, unit)}`;
  if (tty) {
    process.stderr.write(`\r\x1b[K${text}`);
    progressShown = true;
  } else process.stderr.write(text + '\n');
};

export function clearProgress() {
  if (progressShown) process.stderr.write('\r\x1b[K');
  progressShown = false;
}

/** Parses a whole number flag (at least `min`, default 1), refusing zero, negatives, fractions and absurd sizes in one sentence. */
export function positiveInt(flag: string, value: string | undefined, fallback: number, max: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw new OrderHeError(`${flag} must be a whole number, not "${value}".`, `For example ${flag} 1000.`);
  const n = Number(value);
  if (n < min) throw new OrderHeError(`${flag} must be at least ${min}, not ${n}.`, `For example ${flag} 1000.`);
  if (n > max) throw new OrderHeError(`${flag} ${n} is more than this workbook handles (${max.toLocaleString('en-US')}).`, `Use ${flag} ${max} or less.`);
  return n;
}
