/**
 * Runs the data tests declared in sql/**\/*.yml as SQL, set-based and shared: ONE scan per table computes every
 * unique / not_null / accepted_values test and every reconcile measure that reads it, ONE anti-join per referenced
 * parent column checks all the relationships that point at it, and each unique combination or current version is
 * one GROUP BY. Every name is validated by the YAML loader and quoted here;
 * values (accepted lists, where filters) travel as bound parameters.
 * The TypeScript reconciliations a YAML file names (manifest_vs_staging, ...) are run by the build that has
 * their inputs (lib/quality/reconciliations.ts); this file runs everything else.
 */
import type { Warehouse } from '../core/connections';
import { quotePgIdent } from '../core/identifiers';
import type { DataTest, DeclaredModel, Measure } from './declared-models';
import { moneyText, type QualityCheck } from './check-result';

/**
 * Where each layer's tables are right now: the mart build checks `mart_build.x` before it becomes `mart.x`
 * (`{ mart: 'mart_build' }`); a layer not named is where it is published.
 */
export type Placement = Partial<Record<string, string>>;

/** A model's schema and table, where the placement puts it. */
export function placeOf(model: string, placement: Placement = {}): { schema: string; table: string } {
  const [layer, table] = model.split('.');
  return { schema: placement[layer] ?? layer, table };
}

/** "schema"."table" (names were validated by the YAML loader; quoting keeps them exact). */
export function quotedTable(model: string, placement: Placement = {}): string {
  const { schema, table } = placeOf(model, placement);
  return `${quotePgIdent(schema, `schema of ${model}`)}.${quotePgIdent(table, `model ${model}`)}`;
}

type Locate = (model: string) => string;

const q = (name: string) => quotePgIdent(name, 'column');
const num = (v: unknown) => Number(v ?? 0);

/** The test's name in a report row: what was checked, in dbt's words. */
export function testLabel(t: DataTest): string {
  switch (t.kind) {
    case 'unique': return `unique(${t.column})`;
    case 'not_null': return `not_null(${t.column})`;
    case 'relationships': return `relationships(${t.column} → ${t.to}.${t.field})`;
    case 'accepted_values': return `accepted_values(${t.column})`;
    case 'unique_combination': return `unique_combination(${t.columns.join(', ')})`;
    case 'current_version': return `current_version(${t.key}, ${t.flag})`;
    case 'reconcile': return `reconcile: ${t.name}`;
    case 'reconciliation': return `reconciliation: ${t.name}`;
  }
}

const zero = (m: DeclaredModel, t: DataTest, actual: number, detail: string): QualityCheck =>
  ({ check: testLabel(t), table: m.name, status: actual === 0 ? 'pass' : 'fail', expected: 0, actual, detail });

/** Writes `$n` for a value and keeps the value for the query's parameter list. */
type Bind = (v: unknown) => string;

/**
 * The aggregates that read one table, collected from every test before any query runs, so that each table is
 * scanned once however many tests read it: a model's unique / not_null / accepted_values tests, its reconcile
 * measures, and the core measures several mart models reconcile against (five of them sum core order revenue).
 * Measured at 200k orders: the 19 mart reconcile queries took 3.5 s of server time, each scanning core.fct_orders
 * or core.fct_order_items again; one scan per table computes them all.
 *
 * A measure's `where` filter goes inside its aggregate (`SUM(CASE WHEN is_sale = $1 THEN x END)`), which keeps
 * the result of `SUM(x) ... WHERE is_sale = $1` exactly: both ignore the rows the filter drops, both give NULL
 * for no rows. A `where_in` filter stays a WHERE clause (Redshift documents IN (subquery) as a WHERE condition, not
 * inside a CASE), so a table read with a different where_in is a scan of its own.
 */
class TableScans {
  private readonly scans = new Map<string, { from: string; where: (bind: Bind) => string[]; aggregates: Map<string, (bind: Bind) => string> }>();
  private readonly values = new Map<string, unknown>();

  /**
   * Asks for one aggregate over the rows of `from` that `where` keeps (`where.key` tells filters apart; none: the
   * whole table). The same aggregate asked twice (same `key`) is computed once. Returns how to read its value
   * once `run` has finished.
   */
  add(from: string, key: string, aggregate: (bind: Bind) => string, where: { key: string; sql: (bind: Bind) => string[] } = { key: '', sql: () => [] }): () => unknown {
    const scanKey = `${from} ${where.key}`;
    let scan = this.scans.get(scanKey);
    if (!scan) this.scans.set(scanKey, (scan = { from, where: where.sql, aggregates: new Map() }));
    if (!scan.aggregates.has(key)) scan.aggregates.set(key, aggregate);
    const valueKey = `${scanKey} ${key}`;
    return () => this.values.get(valueKey);
  }

  /** One SELECT per table (and where_in filter), every aggregate asked for as one column of its single row. */
  async run(db: Warehouse): Promise<void> {
    for (const [scanKey, scan] of this.scans) {
      const params: unknown[] = [];
      const bind: Bind = (v) => (params.push(v), `$${params.length}`);
      const keys = [...scan.aggregates.keys()];
      const columns = keys.map((k, i) => `${scan.aggregates.get(k)!(bind)} AS a${i}`);
      const where = scan.where(bind);
      const [row] = await db.query<Record<string, unknown>>(
        `SELECT ${columns.join(',\n       ')}\n  FROM ${scan.from}${where.length ? `\n WHERE ${where.join(' AND ')}` : ''}`, params);
      keys.forEach((k, i) => this.values.set(`${scanKey} ${k}`, row[`a${i}`]));
    }
  }
}

/** The column tests that share one scan of the table. */
type ScanTest = Extract<DataTest, { kind: 'unique' | 'not_null' | 'accepted_values' }>;

/** Asks `scans` for the one number a column test needs: the rows that break it. */
function scanTestAggregate(t: ScanTest): { key: string; sql: (bind: Bind) => string } {
  const c = q(t.column);
  // COUNT(DISTINCT) sorts; over keys that arrive nearly in order that beat a hash GROUP BY 6x at 4M rows.
  if (t.kind === 'unique') return { key: `unique ${t.column}`, sql: () => `COUNT(${c}) - COUNT(DISTINCT ${c})` };
  if (t.kind === 'not_null') return { key: `not_null ${t.column}`, sql: () => `COUNT(*) - COUNT(${c})` };
  // As in dbt, a NULL is not_null's business, not accepted_values'.
  return { key: `accepted_values ${t.column} ${JSON.stringify(t.values)}`, sql: (bind) => `SUM(CASE WHEN ${c} NOT IN (${t.values.map(bind).join(', ')}) THEN 1 ELSE 0 END)` };
}

/** The report row of a column test, from the number of rows that break it. */
async function scanTestResult(db: Warehouse, m: DeclaredModel, table: string, t: ScanTest, bad: number): Promise<QualityCheck> {
  if (t.kind === 'unique') return zero(m, t, bad, 'rows beyond one per value');
  if (t.kind === 'not_null') return zero(m, t, bad, 'rows with no value');
  let detail = `${t.values.join(' | ')} (${t.from})`;
  if (bad > 0) {
    // Only on failure: which values, so the report says what to fix.
    const values = await db.query<{ value: string; n: string }>(
      `SELECT ${q(t.column)} AS value, COUNT(*) AS n FROM ${table} WHERE ${q(t.column)} NOT IN (${t.values.map((_, j) => `$${j + 1}`).join(', ')})
        GROUP BY ${q(t.column)} ORDER BY 2 DESC LIMIT 5`, t.values);
    detail = `unexpected: ${values.map((v) => `${JSON.stringify(v.value)} ×${num(v.n)}`).join(', ')}; accepted: ${detail}`;
  }
  return zero(m, t, bad, detail);
}

/** `column = $n AND ...` for a measure's filters. */
function whereSql(where: Record<string, unknown>, bind: Bind): string[] {
  return Object.entries(where).map(([col, v]) => `${q(col)} = ${bind(v)}`);
}

/**
 * Asks `scans` for one measure: its aggregate, with its `where` inside (CASE WHEN) and its `where_in` as the
 * scan's WHERE clause.
 */
function addMeasure(scans: TableScans, ms: Measure, locate: Locate): () => unknown {
  const filtered = Object.keys(ms.where).length > 0;
  const value = ms.column === '*' ? '1' : q(ms.column);
  const kept = (bind: Bind) => (filtered ? `CASE WHEN ${whereSql(ms.where, bind).join(' AND ')} THEN ${value} END` : value);
  const aggregate = (bind: Bind) =>
    ms.aggregate === 'count_distinct' ? `COUNT(DISTINCT ${kept(bind)})`
      : ms.column === '*' && !filtered ? 'COUNT(*)'
      : `${ms.aggregate.toUpperCase()}(${kept(bind)})`;
  const whereIn = {
    // No where_in: the same scan as the table's column tests.
    key: ms.whereIn.length ? JSON.stringify(ms.whereIn.map((w) => [w.column, locate(w.model), w.field, w.where])) : '',
    sql: (bind: Bind) => ms.whereIn.map((w) => {
      const inner = whereSql(w.where, bind);
      return `${q(w.column)} IN (SELECT ${q(w.field)} FROM ${locate(w.model)}${inner.length ? ` WHERE ${inner.join(' AND ')}` : ''})`;
    }),
  };
  return scans.add(locate(ms.model), `measure ${JSON.stringify([ms.aggregate, ms.column, ms.where])}`, aggregate, whereIn);
}

const describeMeasure = (ms: Measure) =>
  `${ms.aggregate}(${ms.column}) of ${ms.model}${[...Object.entries(ms.where).map(([c, v]) => `${c} = ${v}`), ...ms.whereIn.map((w) => `${w.column} in ${w.model}${Object.keys(w.where).length ? ` where ${Object.entries(w.where).map(([c, v]) => `${c} = ${v}`).join(' and ')}` : ''}`)].map((s, i) => (i ? ' and ' : ' where ') + s).join('')}`;

function reconcileResult(m: DeclaredModel, t: Extract<DataTest, { kind: 'reconcile' }>, actualValue: unknown, expectedValue: unknown): QualityCheck {
  // Sums are money or counts: exact text with two decimals compares both without float noise.
  const money = t.measure.aggregate === 'sum' || t.equals.aggregate === 'sum';
  const expected = money ? moneyText(expectedValue) : num(expectedValue);
  const actual = money ? moneyText(actualValue) : num(actualValue);
  return { check: testLabel(t), table: m.name, status: expected === actual ? 'pass' : 'fail', expected, actual, detail: `${describeMeasure(t.measure)} = ${describeMeasure(t.equals)}` };
}

/**
 * Every relationship that points at the same parent column, counted in one anti-join: the children's references
 * are stacked (UNION ALL, each tagged with its test's number) and probed against one hash of the parent, instead
 * of one hash of core.fct_orders per child table (items, payments, status history). Measured at 200k orders on a
 * busy 2-core machine: 1.1–1.4 s for the three together against 1.5–2.2 s one by one.
 * Returns the rows whose reference is missing, per test, in the order given.
 */
async function countMissingReferences(db: Warehouse, parent: string, field: string, children: { table: string; column: string }[]): Promise<number[]> {
  const stacked = children.map((c, i) => `SELECT ${i} AS test_no, ${q(c.column)} AS ref_value FROM ${c.table}`).join('\n        UNION ALL ');
  const [row] = await db.query<Record<string, string | null>>(
    `SELECT ${children.map((_, i) => `COUNT(CASE WHEN c.test_no = ${i} THEN 1 END) AS r${i}`).join(', ')}
       FROM (${stacked}) c
      WHERE c.ref_value IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.${q(field)} = c.ref_value)`);
  return children.map((_, i) => num(row[`r${i}`]));
}

/**
 * Runs every declared data test of `models` except the named TypeScript reconciliations, and returns one
 * report row per test, in declaration order per model.
 *
 * It runs in three passes, so that tests reading the same table share one query: every test first says what it
 * needs (an aggregate of a table, a parent to look its references up in) and how to turn the answers into its
 * report row; then the queries run, one per table, one per referenced parent, one per grain test; then each
 * test reads its answers. A test's numbers are the ones its own query would give: only the reading is shared.
 */
export async function runDataTests(db: Warehouse, models: readonly DeclaredModel[], placement: Placement = {}): Promise<QualityCheck[]> {
  const locate: Locate = (model) => quotedTable(model, placement);
  const scans = new TableScans();
  const references = new Map<string, { parent: string; field: string; children: { table: string; column: string }[]; counts: number[] }>();
  /** Per model, per test in declaration order: how to make its report row once the shared queries have run. */
  const pending: (() => Promise<QualityCheck>)[] = [];

  for (const m of models) {
    const table = locate(m.name);
    for (const t of m.tests) {
      if (t.kind === 'unique' || t.kind === 'not_null' || t.kind === 'accepted_values') {
        const { key, sql } = scanTestAggregate(t);
        const bad = scans.add(table, key, sql);
        pending.push(() => scanTestResult(db, m, table, t, num(bad())));
      } else if (t.kind === 'reconcile') {
        const actual = addMeasure(scans, t.measure, locate);
        const expected = addMeasure(scans, t.equals, locate);
        pending.push(async () => reconcileResult(m, t, actual(), expected()));
      } else if (t.kind === 'relationships') {
        const parent = locate(t.to);
        const key = `${parent}.${q(t.field)}`;
        let group = references.get(key);
        if (!group) references.set(key, (group = { parent, field: t.field, children: [], counts: [] }));
        const shared = group;
        const i = shared.children.push({ table, column: t.column }) - 1;
        pending.push(async () => zero(m, t, shared.counts[i], 'rows whose reference is missing'));
      } else if (t.kind === 'unique_combination') {
        // A GROUP BY of its own: it cannot share a scan with plain aggregates.
        const cols = t.columns.map(q).join(', ');
        pending.push(async () => {
          const [row] = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM (SELECT ${cols} FROM ${table} GROUP BY ${cols} HAVING COUNT(*) > 1) d`);
          return zero(m, t, num(row.n), 'combinations held by more than one row (the grain is broken)');
        });
      } else if (t.kind === 'current_version') {
        pending.push(async () => {
          const [row] = await db.query<{ n: string }>(
            `SELECT COUNT(*) AS n FROM (SELECT ${q(t.key)} FROM ${table} GROUP BY ${q(t.key)} HAVING SUM(CASE WHEN ${q(t.flag)} THEN 1 ELSE 0 END) <> 1) x`);
          return zero(m, t, num(row.n), `${t.key}s with no or several current rows`);
        });
      }
      // kind 'reconciliation': run by the build that has its inputs (lib/quality/reconciliations.ts).
    }
  }

  await scans.run(db);
  for (const g of references.values()) g.counts = await countMissingReferences(db, g.parent, g.field, g.children);
  const out: QualityCheck[] = [];
  for (const make of pending) out.push(await make());
  return out;
}
