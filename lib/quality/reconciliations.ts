/**
 * The reconciliations written in TypeScript, because they need what a YAML test cannot reach: the lake
 * manifests' counts (manifest_vs_staging), the core totals from BEFORE the merge (staging_vs_core) and the MySQL
 * source (source_vs_core). Each runs only for the models whose YAML declares it by name (`tablesDeclaring`);
 * buildCore and checkWarehouseQuality call them. Table and column names come from the table registry.
 */
import type { PipelineContext } from '../core/context';
import type { Warehouse } from '../core/connections';
import { SOURCE_TABLES, TABLES, type SourceTable } from '../core/tables';
import { equal, moneyText, type QualityCheck } from './check-result';
import type { DeclaredModel, ReconciliationName } from './declared-models';

const CORE_TABLE_OF = Object.fromEntries(Object.values(TABLES).map((t) => [t.name, { table: t.core.table, key: t.key, current: t.core.current }])) as Record<SourceTable, { table: string; key: string; current?: string }>;
/** The money column reconciled for a source table, if any (the registry's `amount`). */
const AMOUNT_OF = Object.fromEntries(Object.values(TABLES).map((t) => [t.name, t.amount])) as Partial<Record<SourceTable, string>>;
const num = (v: unknown) => Number(v ?? 0);

/** How each reconciliation's report rows begin, so a report row is traced back to the declaration that ran it. */
export const RECONCILIATION_LABEL: Record<ReconciliationName, string> = {
  manifest_vs_staging: 'manifest ↔ staging', staging_vs_core: 'staging ↔ core', source_vs_core: 'source ↔ core',
};

/** The source tables whose staging or core model declares the reconciliation `name`, in registry order. */
export function tablesDeclaring(models: readonly DeclaredModel[], name: ReconciliationName): SourceTable[] {
  const declared = new Set(models.filter((m) => m.tests.some((t) => t.kind === 'reconciliation' && t.name === name)).map((m) => m.sourceTable));
  return SOURCE_TABLES.filter((t) => declared.has(t));
}

/** A table's rows and the total of its source table's amount column (null where it has none). */
type Totals = { n: string; amount: string | null };

/** Counts the rows of `from` (those `where` keeps) and sums source table `t`'s amount column over them, in one scan. */
async function countAndSum(db: Warehouse, t: SourceTable, from: string, where?: string): Promise<Totals> {
  const amount = AMOUNT_OF[t];
  const [row] = await db.query<Totals>(`SELECT COUNT(*) AS n, ${amount ? `SUM(${amount})` : 'NULL'} AS amount FROM ${from}${where ? ` WHERE ${where}` : ''}`);
  return row;
}

/** Rows and money total of a staged table as loaded, read once by the manifest check and reused by the baseline. */
export type StagedTotals = Map<SourceTable, Totals>;

/**
 * Manifest ↔ staging: each staged table of `tables` holds exactly the rows its pending runs' manifests announced
 * (and staging.pending_runs names no table the pipeline does not know).
 * The same scan also sums the table's amount into `totals`: snapshotCoreBeforeMerge needs both for a table with
 * one pending run, and reading a 400k-row staging table twice cost 0.6 s of 200k orders' merge.
 */
export async function reconcileStagingWithManifest(db: Warehouse, tables: readonly SourceTable[] = SOURCE_TABLES, totals: StagedTotals = new Map()): Promise<QualityCheck[]> {
  const pending = await db.query<{ table_name: string; runs: string; records: string }>(
    'SELECT table_name, COUNT(*) AS runs, SUM(record_count) AS records FROM staging.pending_runs GROUP BY table_name ORDER BY table_name');
  const checks: QualityCheck[] = [];
  for (const p of pending) {
    if (!(SOURCE_TABLES as readonly string[]).includes(p.table_name)) {
      checks.push({ check: 'manifest ↔ staging rows', table: `staging.${p.table_name}`, status: 'fail', expected: 'a source table', actual: p.table_name, detail: `staging.pending_runs names a table the pipeline does not know` });
      continue;
    }
    const t = p.table_name as SourceTable;
    if (!tables.includes(t)) continue;
    const row = await countAndSum(db, t, `staging.${t}`);
    totals.set(t, row);
    checks.push(equal('manifest ↔ staging rows', `staging.${p.table_name}`, num(p.records), num(row.n), `${p.runs} pending run(s)`));
  }
  return checks;
}

/** What core held for the staged tables just before the merge: the baseline `reconcileCoreWithStaging` compares against. */
export interface CoreBaseline {
  table: SourceTable;
  /** Core rows (current versions for customers) and their amount before the merge. */
  rows: number;
  amount: string | null;
  /** Distinct keys in staging, how many of them core already held, and those rows' amount. */
  stagedKeys: number;
  knownKeys: number;
  knownAmount: string | null;
  /** The amount of the latest staged version of each key. */
  stagedAmount: string | null;
}

/**
 * Reads the baseline before the merge: one pass over each staged table (none for a single run whose count and sum
 * the manifest check already read into `staged`), plus two over core unless a replace has just emptied it.
 */
export async function snapshotCoreBeforeMerge(db: Warehouse, tables: readonly SourceTable[], options: { coreEmpty?: boolean; staged?: StagedTotals } = {}): Promise<CoreBaseline[]> {
  const out: CoreBaseline[] = [];
  const runs = await db.query<{ table_name: string; runs: string; records: string }>(
    'SELECT table_name, COUNT(*) AS runs, SUM(record_count) AS records FROM staging.pending_runs GROUP BY table_name');
  for (const t of tables) {
    const { table, key, current } = CORE_TABLE_OF[t];
    const amount = AMOUNT_OF[t];
    const pending = runs.find((r) => r.table_name === t);
    // A single run is one extract of a table with a primary key: every row is a distinct key (the merge must keep
    // them all, and a row it loses or doubles shows up against the manifest's count), so a plain sum will do.
    // Several runs may hold several versions of a key: count and sum the latest version of each.
    const single = pending !== undefined && num(pending.runs) === 1;
    const [staged] = single
      ? [options.staged?.get(t) ?? await countAndSum(db, t, `staging.${t}`)]
      : await db.query<Totals>(amount
        ? `SELECT COUNT(*) AS n, SUM(${amount}) AS amount FROM (
             SELECT ${amount}, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY updated_at DESC) AS version_rank FROM staging.${t}) s
           WHERE version_rank = 1`
        : `SELECT COUNT(DISTINCT ${key}) AS n, NULL AS amount FROM staging.${t}`);
    const baseline: CoreBaseline = { table: t, rows: 0, amount: null, stagedKeys: num(staged.n), knownKeys: 0, knownAmount: null, stagedAmount: staged.amount };
    if (!options.coreEmpty) {
      const and = current ? ` AND ${current}` : '';
      const core = await countAndSum(db, t, table, current);
      const [known] = await db.query<Totals>(
        `SELECT COUNT(*) AS n, ${amount ? `SUM(c.${amount})` : 'NULL'} AS amount FROM ${table} c WHERE c.${key} IN (SELECT ${key} FROM staging.${t})${and}`);
      Object.assign(baseline, { rows: num(core.n), amount: core.amount, knownKeys: num(known.n), knownAmount: known.amount });
    }
    out.push(baseline);
  }
  return out;
}

/** What a core table holds now: its rows (current versions for customers) and their amount. */
export type CoreTotals = Map<SourceTable, Totals>;

/**
 * Counts and sums the core table of each of `tables` (one scan each). After the merge, staging ↔ core and
 * source ↔ core compare the same numbers against different sides: buildCore reads them once for both (two scans
 * of every fact table cost 1.1 s at 200k orders).
 */
export async function readCoreTotals(db: Warehouse, tables: readonly SourceTable[]): Promise<CoreTotals> {
  const totals: CoreTotals = new Map();
  for (const t of tables) {
    const { table, current } = CORE_TABLE_OF[t];
    totals.set(t, await countAndSum(db, t, table, current));
  }
  return totals;
}

/**
 * Staging ↔ core after the merge: core gained exactly the staged keys it did not hold (no key lost, none
 * doubled), and its total moved by exactly the latest staged amounts minus the amounts they replaced.
 * `core` (readCoreTotals after the merge) must hold every table of `baseline`; without it they are read here.
 */
export async function reconcileCoreWithStaging(db: Warehouse, baseline: readonly CoreBaseline[], core?: CoreTotals): Promise<QualityCheck[]> {
  const checks: QualityCheck[] = [];
  const totals = core ?? (await readCoreTotals(db, baseline.map((b) => b.table)));
  for (const b of baseline) {
    const { table } = CORE_TABLE_OF[b.table];
    const amount = AMOUNT_OF[b.table];
    const after = totals.get(b.table)!;
    const added = b.stagedKeys - b.knownKeys;
    checks.push(equal('staging ↔ core rows', table, b.rows + added, num(after.n),
      `${b.rows} before + ${added} new keys (${b.stagedKeys} staged keys, ${b.knownKeys} of them updates)`));
    if (amount) {
      const cents = (v: string | null) => BigInt(moneyText(v).replace('.', ''));
      const expected = cents(b.amount) - cents(b.knownAmount) + cents(b.stagedAmount);
      checks.push(equal(`staging ↔ core sum(${amount})`, table, moneyText(fromCents(expected)), moneyText(after.amount),
        'total before − replaced rows + latest staged versions'));
    }
  }
  return checks;
}

const fromCents = (c: bigint) => {
  const negative = c < 0n;
  const text = (negative ? -c : c).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`;
};

/**
 * Source ↔ core: the warehouse holds what the shop holds. Skipped (not failed) when the source is
 * unreachable or not loaded, e.g. a warehouse filled from someone else's lake.
 */
export async function reconcileCoreWithSource(ctx: PipelineContext, db: Warehouse, tables: readonly SourceTable[] = SOURCE_TABLES, core?: CoreTotals): Promise<QualityCheck[]> {
  if (tables.length === 0) return [];
  const skip = (detail: string): QualityCheck[] => [{ check: 'source ↔ core', table: 'core.*', status: 'skip', expected: null, actual: null, detail }];
  let pool;
  try {
    pool = (await ctx.source()).pool;
  } catch (err) {
    return skip(`source not reachable: ${(err as Error).message.split('\n')[0]}`);
  }
  const [sourceTables] = await pool.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
  const present = new Set((sourceTables as { name: string }[]).map((t) => t.name));
  if (!SOURCE_TABLES.every((t) => present.has(t))) return skip('the source database has no shop tables yet');
  if (present.has('source_lineage')) {
    // A regenerated shop that has not reached the warehouse yet is a different shop, not a difference.
    const [lineageRows] = await pool.query('SELECT lineage_id FROM source_lineage');
    const sourceLineage = (lineageRows as { lineage_id: string }[]).map((r) => r.lineage_id);
    const coreLineage = (await db.query<{ lineage: string }>('SELECT DISTINCT lineage FROM core.loaded_runs')).map((r) => r.lineage);
    if (sourceLineage.length === 1 && coreLineage.length === 1 && sourceLineage[0] !== coreLineage[0]) {
      return skip(`the source was regenerated (lineage ${sourceLineage[0]}) after the warehouse load (lineage ${coreLineage[0]}); run npm run pipeline -- --from lake to load it`);
    }
  }
  const checks: QualityCheck[] = [];
  for (const t of tables) {
    const amount = AMOUNT_OF[t];
    const { table } = CORE_TABLE_OF[t];
    const [srcRows] = await pool.query(`SELECT COUNT(*) AS n${amount ? `, SUM(${amount}) AS total` : ''} FROM ${t}`);
    const src = (srcRows as { n: string | number; total?: string }[])[0];
    const held = core?.get(t) ?? (await readCoreTotals(db, [t])).get(t)!;
    checks.push(equal('source ↔ core rows', table, num(src.n), num(held.n), `source table ${t}`));
    if (amount) checks.push(equal(`source ↔ core sum(${amount})`, table, moneyText(src.total), moneyText(held.amount), `source table ${t}`));
  }
  return checks;
}

