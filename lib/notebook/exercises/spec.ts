/**
 * Reading a bar chart's vega-lite spec the way vega-lite draws it: which channel is the category, which the
 * measure, and what height each bar gets from the spec's own data. So a check compares the bars drawn, not how
 * the spec was spelled (x or y, `mark: 'bar'` or `{ type: 'bar' }`, aggregated by vega-lite or beforehand).
 */

export interface Channel { field?: string; type?: string; aggregate?: string; axis?: { format?: string } | null; format?: string }

export interface DrawnBars {
  mark?: string;
  category?: Channel;
  measure?: Channel;
  /** The bar height per category value (vega-lite stacks rows of one category, so a plain measure adds up). */
  bars: Map<string, number>;
  /** What cannot be a bar chart of a measure per category, in words. */
  problems: string[];
}

type Spec = { mark?: string | { type?: string }; encoding?: Record<string, Channel | undefined>; data?: { values?: unknown }; transform?: unknown[] };

export function drawnBars(spec: unknown): DrawnBars {
  const s = (spec ?? {}) as Spec;
  const problems: string[] = [];
  const mark = typeof s.mark === 'string' ? s.mark : s.mark?.type;
  if (mark !== 'bar') problems.push(`mark is ${mark ?? 'missing'}, a bar chart needs mark 'bar'`);
  const x = s.encoding?.x;
  const y = s.encoding?.y;
  const isCategory = (c?: Channel) => !!c?.field && (c.type === 'nominal' || c.type === 'ordinal');
  const isMeasure = (c?: Channel) => !!c && c.type === 'quantitative' && (!!c.field || c.aggregate === 'count');
  const [category, measure] = isCategory(x) && isMeasure(y) ? [x, y] : isCategory(y) && isMeasure(x) ? [y, x] : [undefined, undefined];
  if (!category || !measure) {
    problems.push(`x is ${describe(x)} and y ${describe(y)}: one must be the category (nominal), the other the measure (quantitative)`);
  }
  // Transforms: a summing aggregate per category draws the same bars as summing in the encoding; anything else
  // (a filter, a calculated field) this reader cannot evaluate, so it says so rather than guess.
  for (const t of s.transform ?? []) {
    const agg = t as { aggregate?: { op?: string; field?: string; as?: string }[]; groupby?: string[] };
    const summing = Array.isArray(agg.aggregate) && agg.aggregate.every((a) => a.op === 'sum' && a.as === a.field) && (agg.groupby ?? []).length === 1 && agg.groupby![0] === category?.field;
    if (!summing) problems.push(`the check reads the bars from data.values and the encoding; it cannot evaluate the transform ${JSON.stringify(t).slice(0, 80)}: sum in the encoding instead (aggregate: 'sum')`);
  }
  const rows = Array.isArray(s.data?.values) ? (s.data!.values as Record<string, unknown>[]) : [];
  if (!Array.isArray(s.data?.values)) problems.push('the spec carries no data.values');
  const bars = new Map<string, number[]>();
  if (category && measure) {
    for (const r of rows) {
      const k = String(r[category.field!]);
      bars.set(k, [...(bars.get(k) ?? []), measure.aggregate === 'count' ? 1 : Number(r[measure.field!])]);
    }
  }
  const agg = measure?.aggregate ?? 'sum';
  const reduce = (v: number[]) => {
    switch (agg) {
      case 'sum': case 'count': return v.reduce((a, b) => a + b, 0);
      case 'mean': case 'average': return v.reduce((a, b) => a + b, 0) / v.length;
      case 'max': return Math.max(...v);
      case 'min': return Math.min(...v);
      default: return NaN;
    }
  };
  if (measure && !['sum', 'count', 'mean', 'average', 'max', 'min'].includes(agg)) problems.push(`aggregate ${agg} is not one this check can draw`);
  return { mark, category, measure, bars: new Map([...bars].map(([k, v]) => [k, reduce(v)])), problems };
}

function describe(c?: Channel): string {
  if (!c) return 'not encoded';
  return `${c.aggregate ? `${c.aggregate}(${c.field ?? ''})` : c.field ?? '(no field)'} as ${c.type ?? 'no type'}`;
}

/** Differences between the bars a spec draws and the bars it should draw (category -> value). */
export function compareBars(spec: unknown, expected: { category: string; measure: string; bars: Map<string, number>; format?: 'currency' | 'percent'; tolerance?: number }): string[] {
  const d = drawnBars(spec);
  const diffs = [...d.problems];
  if (d.category && d.category.field !== expected.category) diffs.push(`the category is ${d.category.field}, expected ${expected.category}`);
  if (d.measure && d.measure.field !== expected.measure) diffs.push(`the measure is ${d.measure.aggregate === 'count' && !d.measure.field ? 'a count of rows' : d.measure.field}, expected ${expected.measure}`);
  if (diffs.length) return diffs;
  const tol = expected.tolerance ?? 0.005;
  for (const [k, v] of expected.bars) {
    const got = d.bars.get(k);
    if (got === undefined) diffs.push(`no bar for ${k}`);
    else if (Math.abs(got - v) > tol) diffs.push(`bar ${k}: expected ${round(v)}, drawn ${round(got)}${d.measure?.aggregate && d.measure.aggregate !== 'sum' ? ` (aggregate ${d.measure.aggregate})` : ''}`);
  }
  for (const k of d.bars.keys()) if (!expected.bars.has(k)) diffs.push(`a bar ${k} that should not be there`);
  if (expected.format) {
    const format = d.measure?.axis?.format ?? d.measure?.format ?? '';
    const ok = expected.format === 'currency' ? format.includes('$') : format.includes('%');
    if (!ok) diffs.push(`the measure's axis format is ${format ? `'${format}'` : 'not set'}; ${expected.format === 'currency' ? "money reads as currency, e.g. '$,.0f'" : "a share reads as percent, e.g. '.0%'"}`);
  }
  return diffs;
}

const round = (v: number) => (Math.abs(v) < 10 ? v.toFixed(3) : v.toFixed(2));
