/**
 * Showing things in a notebook: tables as compact HTML with a row count, and the bridge to the kernel.
 *
 * tslab's public `display.raw()` sends ONE MIME type per output and turns JSON into a string, so a
 * chart could not carry vega-lite (as an object), SVG, PNG and text in one output. tslab keeps the
 * function it uses for that in `tslab/dist/jupyter` (`lastWriteDisplayData`), set while a cell runs;
 * we call it with the whole bundle. Outside a kernel (plain node, tests, the CLI) it is absent and
 * the show* functions return what they would have displayed instead.
 */

import { isFrame, toRows, type MimeBundle, type TableData } from '../core/rows';

export { toRows, type Rows, type FrameLike, type TableData, type MimeBundle } from '../core/rows';

type WriteDisplayData = (data: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** The kernel's display function while a tslab cell runs, else undefined. */
function kernelDisplay(): WriteDisplayData | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData?: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

/** True inside a running tslab kernel (a notebook), false in plain node. */
export function inNotebook(): boolean {
  return kernelDisplay() !== undefined;
}

/**
 * Sends one output with several representations; returns false when there is no kernel to send to.
 * With a `displayId`, `update: true` replaces that earlier output in place (how progress lines move).
 */
export function displayBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const write = kernelDisplay();
  if (!write) return false;
  write({ data: bundle, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} }, options.update ?? false);
  return true;
}

export interface TableOptions {
  title?: string;
  /** Rows shown; the count says how many there are in all. Default 20. */
  limit?: number;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A danfojs Series (what `valueCounts()` gives) as rows of label and value. Its one column is named "0", which
 * as an object key would sort before the label's column, so it is called "value" instead.
 */
function seriesRows(data: TableData): TableData {
  if (!isFrame(data) || !Array.isArray(data.index) || (data.values as unknown[]).some(Array.isArray) || data.columns.length > 1) return data;
  const name = data.columns[0] === undefined || /^\d+$/.test(String(data.columns[0])) ? 'value' : String(data.columns[0]);
  return (data.values as unknown[]).map((v, i) => ({ [name === 'label' ? '' : 'label']: data.index![i], [name]: v }));
}

/**
 * The table as HTML and as aligned text, the two representations a notebook shows. Numbers are rounded to
 * two decimals and grouped (1,626.08, not 1626.0773999999), DataFrames and Series included.
 */
export function tableBundle(data: TableData, options: TableOptions = {}): MimeBundle {
  const rows = toRows(seriesRows(data));
  const limit = options.limit ?? 20;
  const shown = rows.slice(0, limit);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (isFrame(data) && rows.length === 0) columns.push(...data.columns);
  const numeric = new Set(columns.filter((c) => shown.some((r) => typeof r[c] === 'number') && shown.every((r) => r[c] == null || typeof r[c] === 'number')));
  const count = `${rows.length.toLocaleString('en-US')} row${rows.length === 1 ? '' : 's'}${rows.length > shown.length ? `, first ${shown.length} shown` : ''}`;
  const caption = options.title ? `${options.title} (${count})` : count;

  const align = (c: string) => (numeric.has(c) ? 'right' : 'left');
  const html = [
    '<table style="border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums">',
    `<caption style="text-align:left;font-weight:600;padding:4px 0">${escapeHtml(caption)}</caption>`,
    `<thead><tr>${columns.map((c) => `<th style="text-align:${align(c)};padding:2px 8px;border-bottom:1px solid #999">${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...shown.map((r) => `<tr>${columns.map((c) => `<td style="text-align:${align(c)};padding:2px 8px;border-bottom:1px solid #eee">${escapeHtml(cellText(r[c]))}</td>`).join('')}</tr>`),
    '</tbody></table>',
  ].join('');

  const cells = shown.map((r) => columns.map((c) => cellText(r[c])));
  const widths = columns.map((c, i) => Math.min(40, Math.max(c.length, ...cells.map((row) => row[i].length))));
  const line = (vals: string[]) => vals.map((v, i) => (numeric.has(columns[i]) ? v.padStart(widths[i]) : v.padEnd(widths[i])).slice(0, 40)).join('  ').trimEnd();
  const text = [caption, line(columns), ...cells.map(line)].join('\n');
  return { 'text/html': html, 'text/plain': text };
}

/**
 * Shows query rows or a DataFrame as a compact table with its row count. In a notebook it displays and
 * returns nothing (so the cell prints nothing else); outside one it returns the bundle.
 */
export function showTable(data: TableData, options: TableOptions = {}): MimeBundle | undefined {
  const bundle = tableBundle(data, options);
  return displayBundle(bundle) ? undefined : bundle;
}
