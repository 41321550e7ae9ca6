/**
 * Notebook 03's exercises: two small functions over rows. The checks call them on the notebook's dirty sample and
 * on planted rows (an order with two bad lines, an order of a duplicate customer next to one of a kept customer).
 */
import { defineExercise, resultOf, compareIds, compareRows, attempt, cents, money, type ExerciseResult } from './check';

type Row = Record<string, unknown>;

export const TOUCHED_ORDERS = defineExercise('03.1', {
  title: 'Orders touched by the quarantine',
  hints: [
    'The quarantine holds order *lines*; you want the *orders* that own them, each once.',
    'Collect the distinct order_id values of the lines in a Set, then keep the orders whose order_id is in it.',
    'const ids = new Set(lines.map((l) => Number(l.order_id))); return orders.filter((o) => ids.has(Number(o.order_id)));',
  ],
});

export const REPOINT_ORDERS = defineExercise('03.2', {
  title: 'Orders re-pointed to kept customers',
  hints: [
    'Keep every order: only the customer_id of the orders of a duplicate customer changes.',
    'replacedBy.get(id) is the kept id for a duplicate and undefined for everyone else; fall back to the order\'s own customer_id.',
    'return orders.map((o) => ({ ...o, customer_id: replacedBy.get(Number(o.customer_id)) ?? o.customer_id }));',
  ],
});

export type TouchedOrders = (lines: Row[], orders: Row[]) => Row[];
export type RepointOrders = (orders: Row[], replacedBy: Map<number, number>) => Row[];

/** Rows a check plants: order 9001 owns two bad lines, 9002 one, 9003 none. */
const PLANTED_LINES: Row[] = [
  { order_item_id: 1, order_id: 9001, quantity: -1, line_amount: -10 },
  { order_item_id: 2, order_id: 9001, quantity: -2, line_amount: -20 },
  { order_item_id: 3, order_id: 9002, quantity: -1, line_amount: -5 },
];
const PLANTED_ORDERS: Row[] = [
  { order_id: 9001, customer_id: 1, total_amount: 100.1 },
  { order_id: 9002, customer_id: 2, total_amount: 0.2 },
  { order_id: 9003, customer_id: 3, total_amount: 50 },
];

export async function checkTouchedOrders(fn: TouchedOrders | undefined, sample: { quarantinedLines: Row[]; orders: Row[] }): Promise<ExerciseResult> {
  if (typeof fn !== 'function') return resultOf(TOUCHED_ORDERS, 'no function yet', ['touchedOrders is not a function yet']);
  const diffs: string[] = [];
  const cases = [
    { name: 'the dirty sample', lines: sample.quarantinedLines, orders: sample.orders },
    { name: 'planted rows (order 9001 owns two bad lines)', lines: PLANTED_LINES, orders: PLANTED_ORDERS },
  ];
  let summary = '';
  for (const c of cases) {
    const owners = new Set(c.lines.map((l) => String(l.order_id)));
    const expected = c.orders.filter((o) => owners.has(String(o.order_id)));
    const got = await attempt('touchedOrders', () => fn(c.lines, c.orders));
    if (got.error) { diffs.push(`${c.name}: ${got.error}`); continue; }
    const rows = Array.isArray(got.value) ? got.value : [];
    diffs.push(...compareIds(expected.map((o) => o.order_id), rows.map((o) => o?.order_id), 'order').map((d) => `${c.name}: ${d}`));
    if (!summary) {
      const revenue = rows.reduce((s, o) => s + cents(o?.total_amount), 0);
      summary = `${rows.length} order(s) carrying ${money(revenue)}; the sample's bad lines belong to ${expected.length} order(s) carrying ${money(expected.reduce((s, o) => s + cents(o.total_amount), 0))}`;
    }
  }
  return resultOf(TOUCHED_ORDERS, summary || 'touchedOrders failed', diffs);
}

export async function checkRepointOrders(fn: RepointOrders | undefined, sample: { orders: Row[]; replacedBy: Map<number, number> }): Promise<ExerciseResult> {
  if (typeof fn !== 'function') return resultOf(REPOINT_ORDERS, 'no function yet', ['repointOrders is not a function yet']);
  const diffs: string[] = [];
  const planted = { name: 'planted rows (customer 2 is a duplicate of 1)', orders: PLANTED_ORDERS, replacedBy: new Map([[2, 1]]) };
  let summary = '';
  for (const c of [{ name: 'the dirty sample', ...sample }, planted]) {
    const copy = c.orders.map((o) => ({ ...o }));
    const expected = copy.map((o) => ({ order_id: o.order_id, customer_id: c.replacedBy.get(Number(o.customer_id)) ?? o.customer_id, total_amount: o.total_amount }));
    const got = await attempt('repointOrders', () => fn(copy, c.replacedBy));
    if (got.error) { diffs.push(`${c.name}: ${got.error}`); continue; }
    const rows = (Array.isArray(got.value) ? got.value : []).map((o) => ({ ...o, customer_id: o?.customer_id === undefined ? 'undefined' : Number(o.customer_id) }));
    diffs.push(...compareRows(expected.map((e) => ({ ...e, customer_id: Number(e.customer_id) })), rows, {
      key: 'order_id', ordered: false, what: 'order', columns: [{ name: 'customer_id', kind: 'text' }, { name: 'total_amount', kind: 'money' }],
    }).map((d) => `${c.name}: ${d}`));
    if (!summary) {
      const moved = c.orders.filter((o) => c.replacedBy.has(Number(o.customer_id))).length;
      summary = `${rows.length} of ${c.orders.length} orders returned; ${moved} belonged to a duplicate customer`;
    }
  }
  return resultOf(REPOINT_ORDERS, summary || 'repointOrders failed', diffs);
}
