/** Notebook 01's exercises: a join and group-by over the generated files, then the same answer as a bar spec. */
import { defineExercise, resultOf, compareRows, cents, money, type ExerciseResult } from './check';
import { compareBars } from './spec';

type Row = Record<string, unknown>;

export const CATEGORY_REVENUE = defineExercise('01.1', {
  title: 'Revenue by category',
  hints: [
    'Two steps: first look up each order line\'s category through its product_id, then add the line amounts per category.',
    'A Map from product_id to category (built from products) is the join; a second Map from category to a running sum is the group-by. Sort the rows by revenue, biggest first.',
    'const cat = new Map(products.map((p) => [Number(p.product_id), String(p.category)])); const sum = new Map<string, number>(); for (const i of items) { const c = cat.get(Number(i.product_id))!; sum.set(c, (sum.get(c) ?? 0) + Number(i.line_amount)); } categoryRevenue = [...sum].map(([category, revenue]) => ({ category, revenue })).sort((a, b) => b.revenue - a.revenue);',
  ],
});

export const CATEGORY_CHART = defineExercise('01.2', {
  title: 'Revenue by category, as a bar spec',
  hints: [
    'A vega-lite spec names its data (data.values), its mark, and an encoding: which field goes on x, which on y, and each field\'s type.',
    "The category is a nominal field, the revenue a quantitative one; money on an axis reads better with axis: { format: '$,.0f' }.",
    "categoryChart = { data: { values: categoryRevenue }, mark: 'bar', encoding: { x: { field: 'category', type: 'nominal', sort: '-y' }, y: { field: 'revenue', type: 'quantitative', axis: { format: '$,.0f' } } } };",
  ],
});

/** The truth, computed here in integer cents from the files: revenue per category, biggest first. */
export function categoryRevenueTruth(items: Row[], products: Row[]): { category: string; revenue: number }[] {
  const categoryOf = new Map(products.map((p) => [String(p.product_id), String(p.category)]));
  const byCategory = new Map<string, number>();
  for (const i of items) {
    const c = categoryOf.get(String(i.product_id)) ?? '(unknown product)';
    byCategory.set(c, (byCategory.get(c) ?? 0) + cents(i.line_amount));
  }
  return [...byCategory].sort((a, b) => b[1] - a[1]).map(([category, c]) => ({ category, revenue: c / 100 }));
}

export function checkCategoryRevenue(answer: unknown, items: Row[], products: Row[]): ExerciseResult {
  const rows = Array.isArray(answer) ? (answer as Row[]) : [];
  if (rows.length === 0) return resultOf(CATEGORY_REVENUE, 'no rows yet', ['categoryRevenue is empty: fill it with one { category, revenue } per category']);
  const truth = categoryRevenueTruth(items, products);
  const diffs = compareRows(truth, rows, { key: 'category', columns: [{ name: 'revenue', kind: 'money' }], ordered: true, what: 'category' });
  const total = rows.reduce((s, r) => s + cents(r.revenue), 0);
  return resultOf(CATEGORY_REVENUE, `${rows.length} categories adding up to ${money(total)} (the order lines add up to ${money(truth.reduce((s, r) => s + cents(r.revenue), 0))})`, diffs);
}

export function checkCategoryChart(spec: unknown, items: Row[], products: Row[]): ExerciseResult {
  if (!spec) return resultOf(CATEGORY_CHART, 'no spec yet', ['categoryChart is undefined: write the spec as an object']);
  const truth = categoryRevenueTruth(items, products);
  const diffs = compareBars(spec, { category: 'category', measure: 'revenue', bars: new Map(truth.map((r) => [r.category, r.revenue])), format: 'currency' });
  return resultOf(CATEGORY_CHART, diffs.length ? 'the spec does not draw revenue per category' : `${truth.length} bars, one per category, revenue on the measure axis as currency`, diffs);
}
