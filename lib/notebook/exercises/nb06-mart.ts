/**
 * Notebook 06's exercises: a data test written as SQL (run on planted rows in a transaction that is rolled back),
 * and a mart query compared row by row with the weeks computed here from the days.
 */
import type { Warehouse } from '../../core/connections';
import { defineExercise, resultOf, compareIds, compareRows, attempt, cents, money, type ExerciseResult } from './check';

export const REVENUE_RULE = defineExercise('06.1', {
  title: 'Revenue rule check',
  hints: [
    'The rule has two halves: a sale carries its total_amount as revenue, anything else carries 0. A violation breaks either half.',
    'Compare revenue_amount with what it should be on every row: a CASE on is_sale gives the expected value in one expression.',
    'SELECT order_id FROM core.fct_orders WHERE revenue_amount <> CASE WHEN is_sale THEN total_amount ELSE 0 END',
  ],
});

export const WEEKLY_SALES = defineExercise('06.2', {
  title: 'Weekly sales',
  hints: [
    'One row per week means GROUP BY the week each day falls in; the week starts on the Monday.',
    "DATE_TRUNC('week', order_date) is that Monday (cast it to DATE); sum revenue and sales_orders (not orders: orders counts the cancelled ones too); oldest week first.",
    "SELECT CAST(DATE_TRUNC('week', order_date) AS DATE) AS week_start, SUM(revenue) AS revenue, SUM(sales_orders) AS sales_orders FROM mart.daily_sales GROUP BY 1 ORDER BY 1",
  ],
});

class RolledBack extends Error {}

/** Runs fn in a warehouse transaction that is always rolled back; returns what fn returned. */
async function rolledBack<T>(db: Warehouse, fn: (tx: Warehouse) => Promise<T>): Promise<T> {
  let out: T | undefined;
  try {
    await db.transaction(async (tx) => {
      out = await fn(tx);
      throw new RolledBack();
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  return out as T;
}

/**
 * The query must return nothing on the built core, and after two planted faults exactly those two orders: a sale
 * whose revenue is 0, and a cancelled order carrying its total as revenue.
 */
export async function checkRevenueRule(db: Warehouse, sql: string | undefined): Promise<ExerciseResult> {
  if (!sql?.trim()) return resultOf(REVENUE_RULE, 'no query yet', ['revenueRuleSql is empty']);
  return rolledBack(db, async (tx) => {
    const now = await attempt('your query', () => tx.query(sql));
    if (now.error) return resultOf(REVENUE_RULE, 'the query did not run', [now.error]);
    const [sale] = await tx.query<{ order_id: string }>('SELECT MIN(order_id) AS order_id FROM core.fct_orders WHERE is_sale AND total_amount > 0');
    const [notSale] = await tx.query<{ order_id: string }>('SELECT MIN(order_id) AS order_id FROM core.fct_orders WHERE NOT is_sale AND total_amount > 0');
    await tx.query('UPDATE core.fct_orders SET revenue_amount = 0 WHERE order_id = $1', [sale.order_id]);
    await tx.query('UPDATE core.fct_orders SET revenue_amount = total_amount WHERE order_id = $1', [notSale.order_id]);
    const after = await attempt('your query', () => tx.query(sql));
    if (after.error) return resultOf(REVENUE_RULE, 'the query failed on the planted rows', [after.error]);
    if (after.value!.length && !('order_id' in after.value![0])) return resultOf(REVENUE_RULE, 'no order_id column', [`return the order_id of each violation (your columns: ${Object.keys(after.value![0]).join(', ')})`]);
    const diffs: string[] = [];
    if (now.value!.length) diffs.push(`on the built core, where every order follows the rule, it returns ${now.value!.length} order(s), e.g. ${now.value!.slice(0, 3).map((r) => r.order_id).join(', ')}`);
    const found = after.value!.map((r) => String(r.order_id));
    if (!found.includes(String(sale.order_id))) diffs.push(`order ${sale.order_id} is a sale the check set to revenue 0: not found`);
    if (!found.includes(String(notSale.order_id))) diffs.push(`order ${notSale.order_id} is cancelled or refunded and the check gave it its total as revenue: not found`);
    if (!now.value!.length) diffs.push(...compareIds([sale.order_id, notSale.order_id], found, 'order').filter((d) => d.includes('should not')));
    return resultOf(REVENUE_RULE, `${now.value!.length} violation(s) now; after planting two faults: ${found.slice(0, 5).join(', ') || 'none'}`, diffs);
  });
}

/** Monday of a 'YYYY-MM-DD' day, computed here rather than by the warehouse. */
export function mondayOf(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

const dayText = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export async function checkWeeklySales(db: Warehouse, sql: string | undefined): Promise<ExerciseResult> {
  if (!sql?.trim()) return resultOf(WEEKLY_SALES, 'no query yet', ['weeklySql is empty']);
  const weeks = new Map<string, { revenue: number; sales_orders: number }>();
  for (const d of await db.query<{ order_date: unknown; revenue: string; sales_orders: string }>('SELECT order_date, revenue, sales_orders FROM mart.daily_sales')) {
    const w = weeks.get(mondayOf(dayText(d.order_date))) ?? { revenue: 0, sales_orders: 0 };
    w.revenue += cents(d.revenue);
    w.sales_orders += Number(d.sales_orders);
    weeks.set(mondayOf(dayText(d.order_date)), w);
  }
  const expected = [...weeks].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([week_start, w]) => ({ week_start, revenue: w.revenue / 100, sales_orders: w.sales_orders }));
  const got = await attempt('your query', () => db.transaction((tx) => tx.query(sql), { readOnly: true }));
  if (got.error) return resultOf(WEEKLY_SALES, 'the query did not run', [got.error]);
  const rows = got.value!.map((r) => ('week_start' in r ? { ...r, week_start: dayText(r.week_start) } : r));
  const diffs = compareRows(expected, rows, { key: 'week_start', ordered: true, what: 'week', columns: [{ name: 'revenue', kind: 'money' }, { name: 'sales_orders', kind: 'number' }] });
  const total = rows.reduce((s, r) => s + cents(r.revenue), 0);
  return resultOf(WEEKLY_SALES, `${rows.length} week(s), revenue ${money(total)}; the days make ${expected.length} weeks and ${money(expected.reduce((s, w) => s + cents(w.revenue), 0))}`, diffs);
}
