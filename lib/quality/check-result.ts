/**
 * One quality check's result as a report row, and the error a failed gate throws. Every data test, every
 * reconciliation and every report (notebook 06, the catalog, the build's --json line) uses this shape.
 */
import { OrderHeError } from '../core/errors';

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One check's result (a type alias, not an interface, so it passes as a table row: `showTable(checks)`). */
export type QualityCheck = {
  /** What was checked, in words: "manifest ↔ staging rows", "unique key", ... */
  check: string;
  table: string;
  status: CheckStatus;
  expected: string | number | null;
  actual: string | number | null;
  /** Why it failed or was skipped, or what exactly was compared. */
  detail: string;
};

/** A failed gate: the message names the failures; `checks` holds the whole report. */
export class QualityError extends OrderHeError {
  readonly checks: QualityCheck[];
  constructor(stage: string, checks: QualityCheck[], rerun = 'npm run pipeline -- --from warehouse') {
    const failed = checks.filter((c) => c.status === 'fail');
    const lines = failed.map((c) => `  - ${c.table}: ${c.check}: expected ${c.expected}, got ${c.actual}${c.detail ? ` (${c.detail})` : ''}`);
    super(
      `${stage}: ${failed.length} of ${checks.length} quality checks failed, so nothing was committed and the warehouse is as it was before:\n${lines.join('\n')}`,
      `Fix the data or the model named above, then rerun: ${rerun} (notebook 06 shows the whole report).`,
    );
    this.name = 'QualityError';
    this.checks = checks;
  }
}

export function qualitySummary(checks: QualityCheck[]) {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip') };
}

/** Throws QualityError when any check failed. */
export function assertQuality(stage: string, checks: QualityCheck[], rerun?: string): void {
  if (checks.some((c) => c.status === 'fail')) throw new QualityError(stage, checks, rerun);
}

export const equal = (check: string, table: string, expected: string | number, actual: string | number, detail = ''): QualityCheck =>
  ({ check, table, status: expected === actual ? 'pass' : 'fail', expected, actual, detail });

/** Money as exact text with two decimals ("12.5" → "12.50", null → "0.00"), so drivers' formats compare equal. */
export function moneyText(value: unknown): string {
  if (value === null || value === undefined) return '0.00';
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(String(value).trim());
  if (!m) return String(value);
  const cents = BigInt((m[2] || '0') + ((m[3] ?? '') + '00').slice(0, 2));
  const negative = m[1] === '-' && cents !== 0n;
  const text = cents.toString().padStart(3, '0');
  return `${negative ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`;
}
