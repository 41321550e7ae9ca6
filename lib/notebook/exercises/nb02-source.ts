/**
 * Notebook 02's exercises: SQL on the MySQL source. Each check runs the learner's query inside a transaction
 * where it plants the rows that tell a right query from a plausible wrong one, and always rolls back.
 */
import type mysql from 'mysql2/promise';
import { defineExercise, resultOf, compareIds, attempt, type ExerciseResult } from './check';

export const NEVER_ORDERED = defineExercise('02.1', {
  title: 'Customers who never ordered',
  hints: [
    'You want the customers for whom no row exists in orders: think "anti-join", not join.',
    'Either NOT EXISTS (a subquery on orders matching the customer), or a LEFT JOIN to orders keeping the rows where the order side is NULL. Every order counts, whatever its status.',
    'SELECT c.customer_id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)',
  ],
});

export const STATUS_MATCHES_HISTORY = defineExercise('02.2', {
  title: 'Quality check: status matches history',
  hints: [
    "For each order, find its latest row in order_status_history, then keep the orders whose status differs from that row's status.",
    '"Latest" is by changed_at, and when two rows share a changed_at, by the higher status_history_id: MAX(changed_at) alone finds two rows then. A subquery with ORDER BY changed_at DESC, status_history_id DESC LIMIT 1 picks exactly one.',
    'SELECT o.order_id FROM orders o JOIN order_status_history latest ON latest.status_history_id = (SELECT h.status_history_id FROM order_status_history h WHERE h.order_id = o.order_id ORDER BY h.changed_at DESC, h.status_history_id DESC LIMIT 1) WHERE latest.status <> o.status',
  ],
});

type Rows = Record<string, unknown>[];
const ids = (rows: Rows, column: string) => rows.map((r) => r[column]);

/** Runs `fn` on one connection inside a transaction that is always rolled back. */
async function inRolledBackTransaction<T>(pool: mysql.Pool, fn: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    return await fn(conn);
  } finally {
    await conn.rollback().catch(() => undefined);
    conn.release();
  }
}

async function rows(conn: mysql.PoolConnection | mysql.Pool, sql: string, params: unknown[] = []): Promise<Rows> {
  return (await conn.query(sql, params))[0] as Rows;
}

/**
 * Plants a buyer whose only order is cancelled (they did order: they must not be listed), then compares the
 * customer ids the query returns with all customers minus those in orders, computed here.
 */
export async function checkNeverOrdered(pool: mysql.Pool, sql: string | undefined): Promise<ExerciseResult> {
  if (!sql?.trim()) return resultOf(NEVER_ORDERED, 'no query yet', ['neverOrderedSql is empty']);
  return inRolledBackTransaction(pool, async (conn) => {
    const [single] = await rows(conn, 'SELECT customer_id, MIN(order_id) AS order_id FROM orders GROUP BY customer_id HAVING COUNT(*) = 1 ORDER BY customer_id LIMIT 1');
    if (single) await conn.query("UPDATE orders SET status = 'cancelled' WHERE order_id = ?", [single.order_id]);
    const buyers = new Set(ids(await rows(conn, 'SELECT customer_id FROM orders'), 'customer_id').map(String));
    const expected = ids(await rows(conn, 'SELECT customer_id FROM customers'), 'customer_id').map(String).filter((c) => !buyers.has(c));
    const got = await attempt('your query', () => rows(conn, sql));
    if (got.error) return resultOf(NEVER_ORDERED, 'the query did not run', [got.error]);
    if (got.value!.length && !('customer_id' in got.value![0])) return resultOf(NEVER_ORDERED, 'no customer_id column', [`return one row per customer with its customer_id (your columns: ${Object.keys(got.value![0]).join(', ')})`]);
    const diffs = compareIds(expected, ids(got.value!, 'customer_id'), 'customer');
    if (single && got.value!.some((r) => String(r.customer_id) === String(single.customer_id))) {
      diffs.push(`customer ${single.customer_id} is listed, but ordered once (an order the check cancelled): a cancelled order is still an order`);
    }
    return resultOf(NEVER_ORDERED, `${got.value!.length} customer(s) listed; ${expected.length} never ordered (${buyers.size} did)`, diffs);
  });
}

/**
 * Runs the learner's violation query on the loaded shop (it must return nothing), then plants two orders and runs
 * it again: A is broken (its status is one its history never reached: must be found); B is fine but its two latest
 * history rows share a changed_at, the later id carrying its status (must not be found).
 */
export async function checkStatusMatchesHistory(pool: mysql.Pool, sql: string | undefined): Promise<ExerciseResult> {
  if (!sql?.trim()) return resultOf(STATUS_MATCHES_HISTORY, 'no query yet', ['statusViolationsSql is empty']);
  return inRolledBackTransaction(pool, async (conn) => {
    const before = await attempt('your query', () => rows(conn, sql));
    if (before.error) return resultOf(STATUS_MATCHES_HISTORY, 'the query did not run', [before.error]);
    if (before.value!.length && !('order_id' in before.value![0])) return resultOf(STATUS_MATCHES_HISTORY, 'no order_id column', [`return the order_id of each violation (your columns: ${Object.keys(before.value![0]).join(', ')})`]);
    const delivered = await rows(conn, "SELECT order_id FROM orders WHERE status = 'delivered' ORDER BY order_id LIMIT 2");
    const [a, b] = delivered.map((r) => r.order_id);
    await conn.query("UPDATE orders SET status = 'placed' WHERE order_id = ?", [a]);
    const [latestB] = await rows(conn, 'SELECT changed_at FROM order_status_history WHERE order_id = ? ORDER BY changed_at DESC, status_history_id DESC LIMIT 1', [b]);
    const [{ next }] = await rows(conn, 'SELECT MAX(status_history_id) + 1 AS next FROM order_status_history');
    await conn.query("INSERT INTO order_status_history (status_history_id, order_id, status, changed_at, created_at, updated_at) VALUES (?, ?, 'refunded', ?, ?, ?)",
      [next, b, latestB.changed_at, latestB.changed_at, latestB.changed_at]);
    await conn.query("UPDATE orders SET status = 'refunded' WHERE order_id = ?", [b]);
    const after = await attempt('your query', () => rows(conn, sql));
    if (after.error) return resultOf(STATUS_MATCHES_HISTORY, 'the query failed on the planted rows', [after.error]);
    const diffs: string[] = [];
    if (before.value!.length) diffs.push(`on the loaded shop (where every order agrees with its history) it returns ${before.value!.length} order(s), e.g. ${ids(before.value!, 'order_id').slice(0, 3).join(', ')}; expected none`);
    const found = ids(after.value!, 'order_id').map(String);
    if (!found.includes(String(a))) diffs.push(`order ${a} (set to 'placed' by the check, its history ends at 'delivered') is not found`);
    if (found.includes(String(b))) diffs.push(`order ${b} is reported, but it is fine: its latest history rows share a changed_at, and the higher status_history_id says 'refunded', as the order does`);
    const others = found.filter((x) => x !== String(a) && x !== String(b));
    if (!before.value!.length && others.length) diffs.push(`after the plants it also reports ${others.length} other order(s), e.g. ${others.slice(0, 3).join(', ')}`);
    return resultOf(STATUS_MATCHES_HISTORY, `${before.value!.length} violation(s) on the loaded shop; after planting: ${found.slice(0, 5).join(', ') || 'none'} (expected only ${a})`, diffs);
  });
}
