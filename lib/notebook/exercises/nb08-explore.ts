/** Notebook 08's exercises: an analyst's query compared in full and in order, and a chart spec compared bar by bar. */
import type { Warehouse } from '../../core/connections';
import { defineExercise, resultOf, compareRows, attempt, type ExerciseResult } from './check';
import { compareBars } from './spec';

export const BEST_WEEKDAY = defineExercise('08.1', {
  title: 'Average revenue per weekday',
  hints: [
    'One row per weekday, so group by day_name; "average per day" is an average over the days, not a sum.',
    'AVG(revenue) AS avg_revenue per day_name, ordered by that average, biggest first (every row in order, not only the first).',
    'SELECT day_name, AVG(revenue) AS avg_revenue FROM mart.daily_sales GROUP BY day_name ORDER BY avg_revenue DESC',
  ],
});

export const SEGMENT_CHART = defineExercise('08.2', {
  title: 'Share of customers per segment, as a spec',
  hints: [
    'The question is "what share of the customers is in each segment": the measure is a share, one bar per segment, every segment drawn.',
    "mart.rfm_segments has rfm_segment and customer_share (0-1): query every row, put the segment on one axis and the share on the other; a share reads as percent (axis format '.0%').",
    "const rows = await queryRows(ctx, 'SELECT rfm_segment, customer_share FROM mart.rfm_segments'); segmentChart = { data: { values: rows }, mark: 'bar', encoding: { y: { field: 'rfm_segment', type: 'nominal', sort: '-x' }, x: { field: 'customer_share', type: 'quantitative', axis: { format: '.0%' } } } };",
  ],
});

const WEEKDAY = (day: string) => new Date(`${day.slice(0, 10)}T00:00:00Z`).toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
const dayText = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export async function checkBestWeekday(db: Warehouse, sql: string | undefined): Promise<ExerciseResult> {
  if (!sql?.trim()) return resultOf(BEST_WEEKDAY, 'no query yet', ['weekdaySql is empty']);
  const byDay = new Map<string, number[]>();
  for (const d of await db.query<{ order_date: unknown; revenue: string }>('SELECT order_date, revenue FROM mart.daily_sales')) {
    const k = WEEKDAY(dayText(d.order_date));
    byDay.set(k, [...(byDay.get(k) ?? []), Number(d.revenue)]);
  }
  const expected = [...byDay].map(([day_name, v]) => ({ day_name, avg_revenue: v.reduce((a, b) => a + b, 0) / v.length })).sort((a, b) => b.avg_revenue - a.avg_revenue);
  const got = await attempt('your query', () => db.transaction((tx) => tx.query(sql), { readOnly: true }));
  if (got.error) return resultOf(BEST_WEEKDAY, 'the query did not run', [got.error]);
  const rows = got.value!;
  const diffs = compareRows(expected, rows, { key: 'day_name', ordered: false, what: 'weekday', columns: [{ name: 'avg_revenue', kind: 'average' }] });
  // Best first, every row: each weekday's true average is at least the next one's (two within a cent may swap).
  const truth = new Map(expected.map((e) => [e.day_name, e.avg_revenue]));
  const at = rows.findIndex((r, i) => i > 0 && (truth.get(String(r.day_name)) ?? 0) > (truth.get(String(rows[i - 1].day_name)) ?? 0) + 0.01);
  if (diffs.length === 0 && at > 0) diffs.push(`order: row ${at + 1} (${rows[at].day_name}, ${truth.get(String(rows[at].day_name))!.toFixed(2)}) sells more per day than row ${at} (${rows[at - 1].day_name}, ${truth.get(String(rows[at - 1].day_name))!.toFixed(2)}): best first, on every row`);
  const first = rows[0];
  return resultOf(BEST_WEEKDAY, `${rows.length} row(s), first ${first?.day_name ?? '?'} at ${first ? Number(first.avg_revenue).toFixed(2) : '?'}; the days say ${expected[0]?.day_name} at ${expected[0]?.avg_revenue.toFixed(2)}`, diffs);
}

export async function checkSegmentChart(db: Warehouse, spec: unknown): Promise<ExerciseResult> {
  if (!spec) return resultOf(SEGMENT_CHART, 'no spec yet', ['segmentChart is undefined: write the spec as an object']);
  // The truth from the customers themselves, not from rfm_segments: each segment's count over all customers.
  const counts = await db.query<{ rfm_segment: string; n: string }>('SELECT rfm_segment, COUNT(*) AS n FROM mart.customer_rfm GROUP BY rfm_segment');
  const all = counts.reduce((s, r) => s + Number(r.n), 0);
  const diffs = compareBars(spec, { category: 'rfm_segment', measure: 'customer_share', bars: new Map(counts.map((r) => [r.rfm_segment, Number(r.n) / all])), format: 'percent', tolerance: 0.0006 });
  return resultOf(SEGMENT_CHART, diffs.length ? 'the spec does not draw the share per segment' : `${counts.length} bars, shares of ${all} customers`, diffs);
}

export const SLOWEST_DESTINATION = defineExercise('08.3', {
  title: 'The slowest destination',
  hints: [
    'Only delivered orders have a delivery time: an order still on its way has none, and it is not a zero.',
    'Per country, the average of delivery_days over the orders that have one, biggest first, and only the first row.',
    'SELECT country, AVG(delivery_days) AS avg_days FROM mart.orders WHERE delivery_days IS NOT NULL GROUP BY country ORDER BY avg_days DESC LIMIT 1',
  ],
});

/**
 * The truth without GROUP BY: every delivered order's days, averaged per country in TypeScript. The answer must be
 * one row naming the slowest country with its average (to a cent of a day).
 */
export async function checkSlowestDestination(db: Warehouse, sql: string | undefined): Promise<ExerciseResult> {
  if (!sql?.trim() || /'TODO'/.test(sql)) return resultOf(SLOWEST_DESTINATION, 'no query yet', ['slowestSql still holds the TODO']);
  const byCountry = new Map<string, number[]>();
  for (const o of await db.query<{ country: string; delivery_days: string | number }>('SELECT country, delivery_days FROM mart.orders WHERE delivery_days IS NOT NULL')) {
    byCountry.set(o.country, [...(byCountry.get(o.country) ?? []), Number(o.delivery_days)]);
  }
  const ranked = [...byCountry].map(([country, d]) => ({ country, avg_days: d.reduce((s, x) => s + x, 0) / d.length })).sort((a, b) => b.avg_days - a.avg_days);
  const truth = ranked[0];
  // Planted, then rolled back: orders to the slowest country still on their way (no delivery_days), enough that
  // counting them as 0 days would make another country the slowest. The truth above ignores them, as it should.
  const [n, days] = [byCountry.get(truth.country)!.length, byCountry.get(truth.country)!.reduce((a, b) => a + b, 0)];
  const planted = ranked.length > 1 ? Math.max(1, Math.ceil(days / Math.max(ranked[1].avg_days, 0.5) - n) + 1) : 1;
  const rolledBack = new Error('rolled back');
  let got: { value?: Record<string, unknown>[]; error?: string } = { error: 'the query did not run' };
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO mart.orders (order_id, country, status)
                    SELECT -order_id, $1, 'shipped' FROM core.fct_orders ORDER BY order_id LIMIT ${planted}`, [truth.country]);
    got = await attempt('your query', () => tx.query(sql));
    throw rolledBack;
  }).catch((err) => { if (err !== rolledBack) throw err; });
  if (got.error) return resultOf(SLOWEST_DESTINATION, 'the query did not run', [got.error]);
  const rows = got.value!;
  const diffs: string[] = [];
  if (rows.length !== 1) diffs.push(`${rows.length} rows: the question asks for one country, the slowest`);
  const answer = rows[0] ?? {};
  if (answer.country !== truth.country) diffs.push(`country: expected ${truth.country} (${truth.avg_days.toFixed(2)} days), got ${String(answer.country)}`);
  else if (!(Math.abs(Number(answer.avg_days) - truth.avg_days) < 0.01)) diffs.push(`avg_days: expected ${truth.avg_days.toFixed(2)}, got ${String(answer.avg_days)}`);
  return resultOf(SLOWEST_DESTINATION, `${rows.length} row(s), ${String(answer.country ?? '?')} at ${Number(answer.avg_days ?? NaN).toFixed(2)} days; the orders say ${truth.country} at ${truth.avg_days.toFixed(2)}`, diffs);
}
