/** How a long step reports how far it is: the CLI draws a terminal line, a notebook an updating output. */

/** Progress of a long step: called often; the CLI draws a line, a notebook prints every few seconds. */
export type Progress = (step: string, done: number, total?: number, unit?: string) => void;

/** "source: 412,000 / 1,000,000 rows (41%)", with a bar of 20 cells when asked and the total is known. */
export function progressText(step: string, done: number, total: number | undefined, unit: string, bar = false): string {
  const pct = total ? ` (${Math.floor((100 * done) / total)}%)` : '';
  const cells = bar && total ? ` ${'█'.repeat(Math.floor((20 * Math.min(done, total)) / total)).padEnd(20, '░')}` : '';
  return `${step}:${cells} ${done.toLocaleString('en-US')}${total ? ' / ' + total.toLocaleString('en-US') : ''} ${unit}${pct}`;
}
