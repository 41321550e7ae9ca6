/**
 * Query rows and DataFrames as plain rows with values a chart or a table can read. Used by the charts,
 * the dashboard and the notebook display alike, so it knows nothing about the kernel.
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

export function isFrame(data: TableData): data is FrameLike {
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

