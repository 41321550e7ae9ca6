/**
 * Showing things in a notebook: tables as compact HTML with a row count, and the bridge to the kernel.
 *
 * tslab's public `display.raw()` sends ONE MIME type per output and turns JSON into a string, so a
 * chart could not carry vega-lite (as an object), SVG, PNG and text in one output. tslab keeps the
 * function it uses for that in `tslab/dist/jupyter` (`lastWriteDisplayData`), set while a cell runs;
 * we call it with the whole bundle. Outside a kernel (plain node, tests, the CLI) it is absent and
 * the show* functions return what they would have displayed instead.
 */

/** Rows from a query: an array of plain objects, one per row. */
export type Rows = Record<string, unknown>[];

/** The part of a danfojs DataFrame we read (so the package's types are not needed to pass one in). */
export interface FrameLike {
  columns: string[];
  values: unknown[] | unknown[][];
  /** Row labels; shown as the first column when they say something (describe() gives count, mean, ...). */
  index?: unknown[];
}

/** What every chart and table function accepts: query rows or a danfojs DataFrame. */
export type TableData = Rows | FrameLike;

/** One display output: MIME type -> content (strings, or an object for JSON types). */
export type MimeBundle = Record<string, unknown>;

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

function isFrame(data: TableData): data is FrameLike {
  return !Array.isArray(data) && typeof data === 'object' && data !== null && Array.isArray((data as FrameLike).columns);
}

/**
 * Plain rows from query rows or a DataFrame, with values a chart can read: Dates become ISO text
 * (a date-only value stays `YYYY-MM-DD`), bigints become numbers, and PostgreSQL NUMERIC values,
 * which `pg` returns as strings so money keeps its cents, become numbers.
 */
export function toRows(data: TableData): Rows {
  let rows: Rows;
  if (isFrame(data)) {
    const values = data.values as unknown[];
    // A one-column frame (or a Series) gives a flat array.
    const matrix = values.map((v) => (Array.isArray(v) ? v : [v]));
    const labelled = Array.isArray(data.index) && data.index.some((label, i) => label !== i);
    rows = matrix.map((row, r) => ({
      ...(labelled ? { '': data.index![r] } : {}),
      ...Object.fromEntries(data.columns.map((c, i) => [c, row[i]])),
    }));
  } else {
    rows = data;
  }
  const numericText = numericTextColumns(rows);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = plainValue(v, numericText.has(k));
    return out;
  });
}

const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

/** Columns whose every non-null value is decimal text (NUMERIC from pg), without leading-zero codes like "007". */
function numericTextColumns(rows: Rows): Set<string> {
  const candidates = new Map<string, boolean>();
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (v === null || v === undefined) continue;
      const ok = candidates.get(k) ?? true;
      candidates.set(k, ok && typeof v === 'string' && NUMERIC_TEXT.test(v) && !/^-?0\d/.test(v));
    }
  }
  return new Set([...candidates].filter(([, ok]) => ok).map(([k]) => k));
}

function plainValue(v: unknown, numericText: boolean): unknown {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    // pg returns a DATE as local midnight; keep it a calendar date so no time zone shifts it a day.
    if (v.getHours() === 0 && v.getMinutes() === 0 && v.getSeconds() === 0 && v.getMilliseconds() === 0) {
      const p = (n: number) => String(n).padStart(2, '0');
      return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`;
    }
    return v.toISOString();
  }
  if (typeof v === 'bigint') return Number(v);
  if (numericText && typeof v === 'string') return Number(v);
  return v;
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

/** The table as HTML and as aligned text, the two representations a notebook shows. */
export function tableBundle(data: TableData, options: TableOptions = {}): MimeBundle {
  const rows = toRows(data);
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
