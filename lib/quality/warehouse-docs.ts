/**
 * What the YAML says reaches the warehouse (dbt's persist_docs): every declared table and column gets its
 * description as a COMMENT, inside the build's transaction, so a SQL client or BI tool browsing the warehouse
 * reads the same words as the catalog. And the latest test results are kept in core.test_results, so the catalog
 * (written by a later step, maybe another process) shows what the last committed build checked.
 */
import type { Warehouse } from '../core/connections';
import { OrderHeError } from '../core/errors';
import { quotePgIdent } from '../core/identifiers';
import type { QualityCheck } from './check-result';
import type { DeclaredModel } from './declared-models';
import { placeOf, quotedTable, type Placement } from './data-tests';

/**
 * A SQL string literal: quotes doubled. (The YAML loader refuses backslashes, whose meaning in a literal differs
 * between PostgreSQL's standard strings and Redshift.)
 */
export function sqlStringLiteral(text: string): string {
  if (/[\\\u0000]/.test(text)) throw new OrderHeError(`A comment text holds a backslash or NUL character: ${JSON.stringify(text.slice(0, 40))}.`, 'Remove it from the description in the YAML file.');
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Compares each model's declared columns with the table's real columns. A declared column the table lacks, or a
 * table column with no description, is an error naming the YAML file: the description would be wrong or missing.
 */
export async function checkDeclaredColumns(db: Warehouse, models: readonly DeclaredModel[], placement: Placement = {}): Promise<void> {
  const schemas = [...new Set(models.map((m) => placeOf(m.name, placement).schema))];
  const rows = await db.query<{ table_schema: string; table_name: string; column_name: string }>(
    `SELECT table_schema, table_name, column_name FROM information_schema.columns
      WHERE table_schema IN (${schemas.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY table_schema, table_name, ordinal_position`, schemas);
  for (const m of models) {
    const { schema, table } = placeOf(m.name, placement);
    const actual = rows.filter((r) => r.table_schema === schema && r.table_name === table).map((r) => r.column_name);
    if (actual.length === 0) throw new OrderHeError(`${m.file} declares ${m.name}, but the warehouse has no table ${schema}.${table}.`, `Check ${m.sqlFile} makes that table, or delete ${m.file}.`);
    const missing = m.columns.filter((c) => !actual.includes(c.name)).map((c) => c.name);
    if (missing.length) throw new OrderHeError(`${m.file} describes column ${missing.join(', ')} of ${m.name}, which the table does not have.`, `Remove it from ${m.file}, or add it to ${m.sqlFile}.`);
    const undescribed = actual.filter((c) => !m.columns.some((d) => d.name === c));
    if (undescribed.length) throw new OrderHeError(`${m.name} has column ${undescribed.join(', ')}, which ${m.file} does not describe.`, `Add it to the columns of ${m.file} with a description.`);
  }
}

/** COMMENT ON TABLE / COLUMN for every model and column, as one script (one round trip), after checking the columns match. */
export async function commentOnModels(db: Warehouse, models: readonly DeclaredModel[], placement: Placement = {}): Promise<number> {
  await checkDeclaredColumns(db, models, placement);
  const statements: string[] = [];
  for (const m of models) {
    const table = quotedTable(m.name, placement);
    statements.push(`COMMENT ON TABLE ${table} IS ${sqlStringLiteral(`${m.description} Grain: ${m.grain}.`)}`);
    for (const c of m.columns) statements.push(`COMMENT ON COLUMN ${table}.${quotePgIdent(c.name, `column of ${m.name}`)} IS ${sqlStringLiteral(c.description)}`);
  }
  await db.exec(statements.join(';\n'));
  return statements.length;
}

/**
 * Replaces the stage's rows in core.test_results with this build's checks (inside the build's transaction, so
 * they commit with the data they describe). A build that fails rolls them back too: the table always holds the
 * results of the last build that committed, which is what the published warehouse passed.
 */
export async function recordTestResults(db: Warehouse, stage: 'core merge' | 'mart build', checks: readonly QualityCheck[]): Promise<void> {
  await db.query('DELETE FROM core.test_results WHERE stage = $1', [stage]);
  // The time comes from this process, not CURRENT_TIMESTAMP: Redshift runs that only on its leader node and refuses
  // it in a statement that writes a user table (docs: "Leader node-only functions", c_SQL_functions_leader_node_only.html).
  const testedAt = new Date().toISOString();
  const perStatement = 100;
  for (let i = 0; i < checks.length; i += perStatement) {
    const params: unknown[] = [testedAt];
    const tuples = checks.slice(i, i + perStatement).map((c) => {
      params.push(stage, c.table, c.check, c.status, c.expected === null ? null : String(c.expected), c.actual === null ? null : String(c.actual), c.detail.slice(0, 1000));
      const n = params.length;
      return `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}, CAST($1 AS TIMESTAMPTZ))`;
    });
    await db.query(`INSERT INTO core.test_results (stage, model, test, status, expected, actual, detail, tested_at) VALUES ${tuples.join(', ')}`, params);
  }
}

export interface StoredTestResult { stage: string; model: string; test: string; status: string; expected: string | null; actual: string | null; detail: string; tested_at: unknown }

/** The latest stored results (empty when no build has recorded any yet). */
export async function readTestResults(db: Warehouse): Promise<StoredTestResult[]> {
  const [exists] = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'core' AND table_name = 'test_results'`);
  if (Number(exists.n) === 0) return [];
  return db.query<StoredTestResult>('SELECT stage, model, test, status, expected, actual, detail, tested_at FROM core.test_results ORDER BY stage, model, test');
}
