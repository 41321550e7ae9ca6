/**
 * Progress in a notebook: one output line per step that updates in place (Jupyter's update_display_data),
 * so a long load shows "source: 412,000 / 1,000,000 rows (41%)" moving instead of a silent cell.
 * The CLI draws its own line on the terminal (lib/cli/common.ts).
 */
import type { Progress } from './context';

type WriteDisplayData = (data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

function kernelWriter(): WriteDisplayData | undefined {
  try {
    // tslab's own display function for the running cell; tslab's public display API cannot update one output by id.
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData?: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

/** A Progress that draws an updating line in the running notebook cell, or does nothing outside a kernel. */
export function notebookProgress(minIntervalMs = 250): Progress {
  let current: { step: string; id: string; last: number } | undefined;
  let seq = 0;
  return (step, done, total, unit = 'rows') => {
    const write = kernelWriter();
    if (!write) return;
    const now = Date.now();
    const finished = total !== undefined && done >= total;
    const fresh = !current || current.step !== step;
    if (!fresh && !finished && now - current!.last < minIntervalMs) return;
    if (fresh) current = { step, id: `orderhe-progress-${process.pid}-${++seq}`, last: 0 };
    current!.last = now;
    const pct = total ? ` (${Math.floor((100 * done) / total)}%)` : '';
    const bar = total ? ` ${'█'.repeat(Math.floor((20 * Math.min(done, total)) / total)).padEnd(20, '░')}` : '';
    const text = `${step}:${bar} ${done.toLocaleString('en-US')}${total ? ' / ' + total.toLocaleString('en-US') : ''} ${unit}${pct}`;
    write({ data: { 'text/plain': text }, metadata: {}, transient: { display_id: current!.id } }, !fresh);
  };
}
