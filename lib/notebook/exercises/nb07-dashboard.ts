/** Notebook 07's exercises: a bar chart written as a vega-lite spec, and a CSV reader run on the real export and on planted files. */
import type { Warehouse } from '../../core/connections';
import { defineExercise, resultOf, attempt, cents, money, type ExerciseResult } from './check';
import { compareBars } from './spec';

export const MARGIN_CHART = defineExercise('07.1', {
  title: 'Margin by category, as a spec',
  hints: [
    'A bar chart compares one measure across categories: the category goes on one position channel (x or y), the measure on the other. Colour is not an axis.',
    "data.categoryMonth has one row per category and month, so the measure needs aggregate: 'sum' to make one bar per category; margin is money, so give its axis a currency format.",
    "marginChart = { data: { values: data.categoryMonth }, mark: 'bar', encoding: { y: { field: 'category', type: 'nominal', sort: '-x' }, x: { field: 'margin', type: 'quantitative', aggregate: 'sum', axis: { format: '$,.0f' } } } };",
  ],
});

export const CSV_COLUMN_TOTAL = defineExercise('07.2', {
  title: 'Revenue in daily_sales.csv',
  hints: [
    'The first line names the columns: find the position of the one you want by its exact name, then add that field of every other line.',
    "header.split(',').indexOf(column) finds the exact name (includes() would also match revenue_7d_avg); skip empty lines; Number() of each field.",
    "const [header, ...lines] = csv.trim().split(/\\r?\\n/); const at = header.split(',').indexOf(column); return lines.filter((l) => l.length > 0).reduce((sum, l) => sum + Number(l.split(',')[at]), 0);",
  ],
});

export async function checkMarginChart(db: Warehouse, spec: unknown): Promise<ExerciseResult> {
  if (!spec) return resultOf(MARGIN_CHART, 'no spec yet', ['marginChart is undefined: write the spec as an object']);
  const truth = await db.query<{ category: string; margin: string }>('SELECT category, SUM(margin) AS margin FROM mart.category_month GROUP BY category');
  const diffs = compareBars(spec, { category: 'category', measure: 'margin', bars: new Map(truth.map((r) => [r.category, Number(r.margin)])), format: 'currency', tolerance: 0.01 });
  return resultOf(MARGIN_CHART, diffs.length ? 'the spec does not draw margin per category' : `${truth.length} bars, margin per category`, diffs);
}

export type CsvColumnTotal = (csv: string, column: string) => number;

/** CSVs that tell an exact column lookup from a positional or substring one. */
export const PLANTED_CSVS: { name: string; csv: string; total: number }[] = [
  { name: 'columns in another order, revenue_7d_avg first', csv: 'revenue_7d_avg,order_date,net_revenue,revenue\n5.00,2025-01-01,1.00,10.10\n6.00,2025-01-02,2.00,20.20\n', total: 30.3 },
  { name: 'Windows line ends and a blank last line', csv: 'order_date,revenue\r\n2025-01-01,0.10\r\n2025-01-02,0.20\r\n\r\n', total: 0.3 },
];

export async function checkCsvColumnTotal(db: Warehouse, fn: CsvColumnTotal | undefined, realCsv: string): Promise<ExerciseResult> {
  if (typeof fn !== 'function') return resultOf(CSV_COLUMN_TOTAL, 'no function yet', ['csvColumnTotal is not a function yet']);
  const [{ revenue }] = await db.query<{ revenue: string }>('SELECT SUM(revenue_amount) AS revenue FROM core.fct_orders');
  const diffs: string[] = [];
  const real = await attempt('csvColumnTotal', () => fn(realCsv, 'revenue'));
  if (real.error) diffs.push(`daily_sales.csv: ${real.error}`);
  else if (cents(real.value) !== cents(revenue)) diffs.push(`daily_sales.csv: expected ${money(cents(revenue))} (core.fct_orders), got ${Number.isFinite(Number(real.value)) ? money(cents(real.value)) : String(real.value)}`);
  for (const p of PLANTED_CSVS) {
    const got = await attempt('csvColumnTotal', () => fn(p.csv, 'revenue'));
    if (got.error) diffs.push(`${p.name}: ${got.error}`);
    else if (cents(got.value) !== cents(p.total)) diffs.push(`${p.name}: expected ${money(cents(p.total))}, got ${String(got.value)}`);
  }
  return resultOf(CSV_COLUMN_TOTAL, `daily_sales.csv says ${real.value === undefined ? '?' : money(cents(real.value))}, the warehouse ${money(cents(revenue))}`, diffs);
}
