/**
 * Notebook 04's exercises: the incremental extract's watermark predicate, and which runs make up the lake's
 * current state. The first check plants rows on the watermark's very millisecond; the second adds runs of another
 * shop and a second full run to the real ones.
 */
import type mysql from 'mysql2/promise';
import type { Watermark } from '../../lake/format';
import { listRuns, readRunRecord, type LakeHandle } from '../../lake/read';
import type { SourceTable } from '../../lake/format';
import { defineExercise, resultOf, compareIds, attempt, type ExerciseResult } from './check';

export const WATERMARK_PREDICATE = defineExercise('04.1', {
  title: 'Orders changed since the watermark',
  hints: [
    'The watermark is a pair, (updated_at, order_id): a row is new when it is above that pair, not only when its updated_at is later.',
    'Several orders can share the watermark\'s millisecond: the ones with a higher order_id were not extracted yet, the others were. updated_at > :updatedAt alone loses them; >= copies some again.',
    '(updated_at, order_id) > (:updatedAt, :key)   or, spelled out:   updated_at > :updatedAt OR (updated_at = :updatedAt AND order_id > :key)',
  ],
});

export const CURRENT_RUNS = defineExercise('04.2', {
  title: 'The runs that make up the lake now',
  hints: [
    'Two kinds of run do not count: runs of another shop (another lineage), and runs that a later full run replaced.',
    'Walk the runs oldest first, skip other lineages, and start the list again at each full run.',
    "const picked: string[] = []; for (const r of runs) { if (r.lineage !== lineage) continue; if (r.kind === 'full') picked.length = 0; picked.push(r.prefix); } return picked;",
  ],
});

/** Turns :updatedAt and :key into ? placeholders with their values, in order of appearance. */
export function bindWatermark(predicate: string, from: Watermark): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const sql = predicate.replace(/:(updatedAt|key)\b/g, (_, name: string) => {
    values.push(name === 'key' ? from.key : from.updatedAt);
    return '?';
  });
  return { sql, values };
}

const micro = (t: string) => (t.includes('.') ? t.padEnd(26, '0') : `${t}.000000`);

/**
 * Runs `SELECT order_id FROM orders WHERE <predicate>` in a transaction that is rolled back, after planting two
 * orders on the watermark's millisecond: one with a higher order_id (not extracted yet: must come), one with a lower
 * one (already extracted: must not). Compares the ids with the pairs compared here, in TypeScript.
 */
export async function checkWatermarkPredicate(pool: mysql.Pool, from: Watermark, predicate: string | undefined): Promise<ExerciseResult> {
  if (!predicate?.trim()) return resultOf(WATERMARK_PREDICATE, 'no predicate yet', ['watermarkPredicate is empty']);
  if (!/:updatedAt\b/.test(predicate)) return resultOf(WATERMARK_PREDICATE, 'the predicate never uses :updatedAt', ['write the values as :updatedAt and :key, never pasted in: the check binds them']);
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const q = async (sql: string, params: unknown[] = []) => (await conn.query(sql, params))[0] as Record<string, unknown>[];
    // The planted rows need an order above the watermark's key: when the lake's watermark is the shop's last order,
    // test the predicate against a watermark in the middle of the shop instead (the predicate is the same for any).
    const [higher] = await q('SELECT COUNT(*) AS n FROM orders WHERE order_id > ?', [from.key]);
    if (Number(higher.n) === 0) {
      const [mid] = await q(`SELECT order_id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS t FROM orders
                              ORDER BY order_id LIMIT 1 OFFSET ?`, [Math.floor(Number((await q('SELECT COUNT(*) AS n FROM orders'))[0].n) / 2)]);
      if (mid) from = { updatedAt: String(mid.t).slice(0, 23), key: String(mid.order_id) };
    }
    // The nearest orders on either side of the watermark's key, both moved onto its millisecond.
    const [after] = await q('SELECT MIN(order_id) AS id FROM orders WHERE order_id > ?', [from.key]);
    const [before] = await q('SELECT MAX(order_id) AS id FROM orders WHERE order_id < ?', [from.key]);
    for (const p of [after, before]) if (p?.id != null) await conn.query('UPDATE orders SET updated_at = ? WHERE order_id = ?', [from.updatedAt, p.id]);
    // And the oldest order changes a second after the watermark: a low order_id, but new to the next run.
    const [oldest] = await q('SELECT MIN(order_id) AS id FROM orders WHERE order_id < ?', [before?.id ?? from.key]);
    if (oldest?.id != null) await conn.query('UPDATE orders SET updated_at = DATE_ADD(?, INTERVAL 1 SECOND) WHERE order_id = ?', [from.updatedAt, oldest.id]);
    const all = await q("SELECT order_id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS t FROM orders");
    const wm = micro(from.updatedAt);
    const expected = all.filter((r) => String(r.t) > wm || (String(r.t) === wm && BigInt(String(r.order_id)) > BigInt(from.key))).map((r) => r.order_id);
    const { sql, values } = bindWatermark(predicate, from);
    const got = await attempt('your predicate', () => q(`SELECT order_id FROM orders WHERE ${sql}`, values));
    if (got.error) return resultOf(WATERMARK_PREDICATE, 'the query did not run', [got.error]);
    const gotIds = got.value!.map((r) => String(r.order_id));
    const diffs = compareIds(expected, gotIds, 'order');
    if (after?.id != null && !gotIds.includes(String(after.id))) diffs.unshift(`order ${after.id} was updated in the watermark's millisecond (${from.updatedAt}) and has a higher order_id than ${from.key}: it was not extracted yet, and your predicate loses it`);
    if (oldest?.id != null && !gotIds.includes(String(oldest.id))) diffs.unshift(`order ${oldest.id} changed a second after the watermark: its order_id is lower than ${from.key}, but the previous run saw its older version, so this run must take it`);
    if (before?.id != null && gotIds.includes(String(before.id))) diffs.unshift(`order ${before.id} shares the watermark's millisecond but has a lower order_id than ${from.key}: the previous run took it already`);
    // (The watermark's own order may have moved on since: then it is above the watermark again, and expected.)
    if (gotIds.includes(String(from.key)) && !expected.map(String).includes(String(from.key))) diffs.unshift(`order ${from.key} is the watermark itself: the previous run took it already`);
    return resultOf(WATERMARK_PREDICATE, `${gotIds.length} order(s) selected; ${expected.length} are above the watermark (three planted: two on its millisecond, one just after)`, diffs);
  } finally {
    await conn.rollback().catch(() => undefined);
    conn.release();
  }
}

export interface RunSummary { prefix: string; lineage: string; kind: 'full' | 'incremental' }
export type CurrentRuns = (runs: RunSummary[], lineage: string) => string[];

function currentRunsTruth(runs: RunSummary[], lineage: string): string[] {
  const own = runs.filter((r) => r.lineage === lineage);
  let lastFull = -1;
  own.forEach((r, i) => { if (r.kind === 'full') lastFull = i; });
  return own.slice(Math.max(lastFull, 0)).map((r) => r.prefix);
}

/** The planted runs: an old shop's runs, a full run replaced by a later full run, and an incremental run of another shop at the end. */
export function plantedRuns(lineage: string): RunSummary[] {
  const run = (name: string, lin: string, kind: RunSummary['kind']) => ({ prefix: `raw/order_items/load_date=2026-01-01/run=${name}/`, lineage: lin, kind });
  return [
    run('old-full', 'older-shop', 'full'), run('old-incr', 'older-shop', 'incremental'),
    run('first-full', lineage, 'full'), run('first-incr', lineage, 'incremental'),
    run('second-full', lineage, 'full'), run('after-second', lineage, 'incremental'),
    run('other-shop', 'another-shop', 'incremental'), run('last-incr', lineage, 'incremental'),
  ];
}

/** Compares the learner's run selection with the truth on the lake's real order_items runs and on the planted ones. */
export async function checkCurrentRuns(fn: CurrentRuns | undefined, lake: LakeHandle, lineage: string, table: SourceTable = 'order_items'): Promise<ExerciseResult> {
  if (typeof fn !== 'function') return resultOf(CURRENT_RUNS, 'no function yet', ['currentRuns is not a function yet']);
  const real: RunSummary[] = [];
  for (const r of await listRuns(lake, { table })) {
    const rec = await readRunRecord(lake, r);
    real.push({ prefix: r.prefix, lineage: rec.lineage, kind: rec.kind });
  }
  const diffs: string[] = [];
  let summary = '';
  for (const c of [{ name: `the lake's ${table} runs`, runs: real }, { name: 'planted runs', runs: plantedRuns(lineage) }]) {
    const expected = currentRunsTruth(c.runs, lineage);
    const got = await attempt('currentRuns', () => fn(c.runs.map((r) => ({ ...r })), lineage));
    if (got.error) { diffs.push(`${c.name}: ${got.error}`); continue; }
    const picked = Array.isArray(got.value) ? got.value.map(String) : [];
    const short = (p: string) => p.replace(/^.*run=([^/]+)\/$/, '$1');
    diffs.push(...compareIds(expected.map(short), picked.map(short), 'run').map((d) => `${c.name}: ${d}`));
    if (!summary) summary = `${picked.length} of ${c.runs.length} ${table} runs picked; ${expected.length} make up the lake now`;
  }
  return resultOf(CURRENT_RUNS, summary || 'currentRuns failed', diffs);
}
