/**
 * The doctor inside a notebook: the same ✓/✗ lines and fixes `npm run doctor` prints, for a config a cell
 * builds (for example one with a deliberately wrong port), so a learner sees a key issue and its fix at the
 * step where it happens instead of reading about it.
 */
import type { OrderHeConfig } from './config';
import { runDoctor, type DoctorCheck } from './doctor';
import { redact } from './errors';

/** The report's lines as `npm run doctor` prints them (secrets masked). */
export function doctorReportLines(checks: DoctorCheck[]): string[] {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(redact(`${c.ok ? '✓' : '✗'} ${c.part.padEnd(13)} ${c.message}`));
    if (c.fix) lines.push(redact(`    fix: ${c.fix}`));
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(failed ? `${failed} problem(s) found.` : 'All good: npm run pipeline is ready to run.');
  return lines;
}

/** Runs every doctor check for `config`, prints the report and returns the checks (never throws). */
export async function showDoctor(config: OrderHeConfig): Promise<DoctorCheck[]> {
  const checks = await runDoctor(config);
  console.log(doctorReportLines(checks).join('\n'));
  return checks;
}
