/**
 * Runs the data tests declared in sql/**\/*.yml as SQL, set-based: all of a model's unique / not_null /
 * accepted_values tests in ONE scan of its table, then one anti-join per relationship, one GROUP BY per
 * unique combination and one query per reconcile. Every name is validated by the YAML loader and quoted here;
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

/** The column tests that share one scan of the table. */
type ScanTest = Extract<DataTest, { kind: 'unique' | 'not_null' | 'accepted_values' }>;

async function runScanTests(db: Warehouse, m: DeclaredModel, table: string, tests: ScanTest[]): Promise<QualityCheck[]> {
  if (tests.length === 0) return [];
  const params: unknown[] = [];
  const bind = (v: unknown) => (params.push(v), `$${params.length}`);
  const columns = tests.map((t, i) => {
    const c = q(t.column);
    // COUNT(DISTINCT) sorts; over keys that arrive nearly in order that beat a hash GROUP BY 6x at 4M rows.
    if (t.kind === 'unique') return `COUNT(${c}) - COUNT(DISTINCT ${c}) AS t${i}`;
    if (t.kind === 'not_null') return `COUNT(*) - COUNT(${c}) AS t${i}`;
    // As in dbt, a NULL is not_null's business, not accepted_values'.
    return `SUM(CASE WHEN ${c} NOT IN (${t.values.map(bind).join(', ')}) THEN 1 ELSE 0 END) AS t${i}`;
  });
  const [row] = await db.query<Record<string, string | null>>(`SELECT ${columns.join(',\n       ')} FROM ${table}`, params);
  const out: QualityCheck[] = [];
  for (const [i, t] of tests.entries()) {
    const bad = num(row[`t${i}`]);
    if (t.kind === 'unique') out.push(zero(m, t, bad, 'rows beyond one per value'));
    else if (t.kind === 'not_null') out.push(zero(m, t, bad, 'rows with no value'));
    else {
      let detail = `${t.values.join(' | ')} (${t.from})`;
      if (bad > 0) {
        // Only on failure: which values, so the report says what to fix.
        const values = await db.query<{ value: string; n: string }>(
          `SELECT ${q(t.column)} AS value, COUNT(*) AS n FROM ${table} WHERE ${q(t.column)} NOT IN (${t.values.map((_, j) => `$${j + 1}`).join(', ')})
            GROUP BY ${q(t.column)} ORDER BY 2 DESC LIMIT 5`, t.values);
        detail = `unexpected: ${values.map((v) => `${JSON.stringify(v.value)} ×${num(v.n)}`).join(', ')}; accepted: ${detail}`;
      }
      out.push(zero(m, t, bad, detail));
    }
  }
  return out;
}

/** `column = $n AND ...` for a measure's filters. */
function whereSql(where: Record<string, unknown>, bind: (v: unknown) => string, alias = ''): string[] {
  return Object.entries(where).map(([col, v]) => `${alias}${q(col)} = ${bind(v)}`);
}

/** One measure as a scalar subquery. */
function measureSql(ms: Measure, locate: Locate, bind: (v: unknown) => string): string {
  const agg = ms.aggregate === 'count_distinct' ? `COUNT(DISTINCT ${q(ms.column)})` : ms.column === '*' ? 'COUNT(*)' : `${ms.aggregate.toUpperCase()}(${q(ms.column)})`;
  const conditions = [
    ...whereSql(ms.where, bind),
    ...ms.whereIn.map((w) => {
      const inner = whereSql(w.where, bind);
      return `${q(w.column)} IN (SELECT ${q(w.field)} FROM ${locate(w.model)}${inner.length ? ` WHERE ${inner.join(' AND ')}` : ''})`;
    }),
  ];
  return `(SELECT ${agg} FROM ${locate(ms.model)}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''})`;
}

const describeMeasure = (ms: Measure) =>
  `${ms.aggregate}(${ms.column}) of ${ms.model}${[...Object.entries(ms.where).map(([c, v]) => `${c} = ${v}`), ...ms.whereIn.map((w) => `${w.column} in ${w.model}${Object.keys(w.where).length ? ` where ${Object.entries(w.where).map(([c, v]) => `${c} = ${v}`).join(' and ')}` : ''}`)].map((s, i) => (i ? ' and ' : ' where ') + s).join('')}`;

async function runReconcile(db: Warehouse, m: DeclaredModel, t: Extract<DataTest, { kind: 'reconcile' }>, locate: Locate): Promise<QualityCheck> {
  const params: unknown[] = [];
  const bind = (v: unknown) => (params.push(v), `$${params.length}`);
  const [row] = await db.query<{ actual: string | null; expected: string | null }>(
    `SELECT ${measureSql(t.measure, locate, bind)} AS actual, ${measureSql(t.equals, locate, bind)} AS expected`, params);
  // Sums are money or counts: exact text with two decimals compares both without float noise.
  const money = t.measure.aggregate === 'sum' || t.equals.aggregate === 'sum';
  const expected = money ? moneyText(row.expected) : num(row.expected);
  const actual = money ? moneyText(row.actual) : num(row.actual);
  return { check: testLabel(t), table: m.name, status: expected === actual ? 'pass' : 'fail', expected, actual, detail: `${describeMeasure(t.measure)} = ${describeMeasure(t.equals)}` };
}

/**
 * Runs every declared data test of `models` except the named TypeScript reconciliations, and returns one
 * report row per test, in declaration order per model.
 */
export async function runDataTests(db: Warehouse, models: readonly DeclaredModel[], placement: Placement = {}): Promise<QualityCheck[]> {
  const locate: Locate = (model) => quotedTable(model, placement);
  const out: QualityCheck[] = [];
  for (const m of models) {
    const table = locate(m.name);
    const results = new Map<DataTest, QualityCheck>();
    const scan = m.tests.filter((t): t is ScanTest => t.kind === 'unique' || t.kind === 'not_null' || t.kind === 'accepted_values');
    (await runScanTests(db, m, table, scan)).forEach((c, i) => results.set(scan[i], c));
    for (const t of m.tests) {
      if (t.kind === 'relationships') {
        const [row] = await db.query<{ n: string }>(
          `SELECT COUNT(*) AS n FROM ${table} c WHERE c.${q(t.column)} IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM ${locate(t.to)} p WHERE p.${q(t.field)} = c.${q(t.column)})`);
        results.set(t, zero(m, t, num(row.n), 'rows whose reference is missing'));
      } else if (t.kind === 'unique_combination') {
        const cols = t.columns.map(q).join(', ');
        const [row] = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM (SELECT ${cols} FROM ${table} GROUP BY ${cols} HAVING COUNT(*) > 1) d`);
        results.set(t, zero(m, t, num(row.n), 'combinations held by more than one row (the grain is broken)'));
      } else if (t.kind === 'current_version') {
        const [row] = await db.query<{ n: string }>(
          `SELECT COUNT(*) AS n FROM (SELECT ${q(t.key)} FROM ${table} GROUP BY ${q(t.key)} HAVING SUM(CASE WHEN ${q(t.flag)} THEN 1 ELSE 0 END) <> 1) x`);
        results.set(t, zero(m, t, num(row.n), `${t.key}s with no or several current rows`));
      } else if (t.kind === 'reconcile') {
        results.set(t, await runReconcile(db, m, t, locate));
      }
    }
    out.push(...m.tests.filter((t) => results.has(t)).map((t) => results.get(t)!));
  }
  return out;
}
