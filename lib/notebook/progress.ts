/**
 * Progress in a notebook: one output line per step that updates in place (Jupyter's update_display_data),
 * so a long load shows "source: 412,000 / 1,000,000 rows (41%)" moving instead of a silent cell.
 * The CLI draws its own line on the terminal (tools/cli/common.ts).
 */
import { progressText, type Progress } from '../core/progress';
import { displayBundle, inNotebook } from './display';


/** A Progress that draws an updating line in the running notebook cell, or does nothing outside a kernel. */
export function notebookProgress(minIntervalMs = 250): Progress {
  let current: { step: string; id: string; last: number } | undefined;
  let seq = 0;
  return (step, done, total, unit = 'rows') => {
    if (!inNotebook()) return;
    const now = Date.now();
    const finished = total !== undefined && done >= total;
    const fresh = !current || current.step !== step;
    if (!fresh && !finished && now - current!.last < minIntervalMs) return;
    if (fresh) current = { step, id: `orderhe-progress-${process.pid}-${++seq}`, last: 0 };
    current!.last = now;
    displayBundle({ 'text/plain': progressText(step, done, total, unit, true) }, { displayId: current!.id, update: !fresh });
    // A finished line is never reused: the next report of the same step (a later cell's load) gets its own line
    // instead of rewriting this one in place, which would make an earlier cell show a later count.
    if (finished) current = undefined;
  };
}
