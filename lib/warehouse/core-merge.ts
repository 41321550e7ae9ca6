/**
 * The models: staging → core (star schema) → mart, all SQL files under sql/.
 *
 * buildCore merges the pending lake runs into core in ONE transaction and runs the quality gates before it
 * commits, so a failed merge or a failed check leaves core (and core.loaded_runs) exactly as it was.
 */
import type { PipelineContext } from '../core/context';
import type { StepResult } from '../core/steps';
import { analyzeAfterLoad, emptyTableSql, sortMemorySql, type Warehouse } from './adapter';
import path from 'node:path';
import { OrderHeError } from '../core/errors';
import { quotePgIdent } from '../core/identifiers';
import { SOURCE_TABLES, type SourceTable } from '../lake/format';
import { CORE_TABLE_OF } from './core-tables';
import { CORE_TABLES, columnNames } from '../core/tables';
import { orderByDependencies, readSqlModels, sqlPath, type SqlModel } from './sql-files';
import {
  assertQuality, qualitySummary, readCoreTotals, reconcileCoreWithSource, reconcileCoreWithStaging, snapshotCoreBeforeMerge,
  reconcileStagingWithManifest, tablesDeclaring, type CoreTotals, type QualityCheck, type StagedTotals,
} from '../quality/checks';
import { loadDeclaredModels, type DeclaredModel } from '../quality/declared-models';
import { runDataTests } from '../quality/data-tests';
import { commentOnModels, recordTestResults } from '../quality/warehouse-docs';

export interface PendingRun {
  table_name: string;
  run_id: string;
  lineage: string;
  kind: 'full' | 'incremental';
  record_count: string | number;
}

/** How buildCore treats the pending runs: merge them by key, or replace core with a new lineage. */
export interface CorePlan {
  mode: 'nothing pending' | 'merge' | 'replace';
  lineage: string | null;
  /** Source tables with pending runs: only their merges run. */
  tables: SourceTable[];
  runs: PendingRun[];
}

const MERGE_DIR = ['warehouse', 'core', 'merge'] as const;

/** The core DDL files (sql/warehouse/core/*.sql), in file order; all are CREATE ... IF NOT EXISTS. */
export const coreDdlModels = (projectRoot: string) => readSqlModels(sqlPath(projectRoot, 'warehouse', 'core'), 'core');
/**
 * The merge scripts (sql/warehouse/core/merge/*.sql), each after the core tables its YAML (sql/warehouse/core/NAME.yml)
 * says it depends on: dimensions before the facts that look them up; ties keep file order.
 */
export const coreMergeModels = (projectRoot: string, declared: readonly DeclaredModel[] = loadDeclaredModels(projectRoot)) =>
  orderByDependencies(readSqlModels(sqlPath(projectRoot, ...MERGE_DIR), 'core', declared), 'core');

/**
 * Lets this transaction's sorts and hashes (ROW_NUMBER per key, GROUP BY checks) use 64 MB instead of
 * PostgreSQL's default 4 MB, which spills them to disk: on a 100k-order shop the merge and its checks went from
 * about 13 s to 7 s (measured on this 2-core machine while it was busy).
 * SET LOCAL ends with the transaction. Where memory is sized otherwise (capabilities.sortMemory null) nothing is set.
 */
export async function useMemoryForSorts(tx: Warehouse) {
  const sql = sortMemorySql(tx.capabilities);
  if (sql) await tx.exec(sql);
}

/** Creates the staging and core schemas when missing (idempotent: every file is CREATE ... IF NOT EXISTS). */
export async function createCoreTables(db: Warehouse, projectRoot: string): Promise<void> {
  for (const m of readSqlModels(sqlPath(projectRoot, 'warehouse', 'staging'), 'staging')) await db.exec(m.sql);
  if (db.capabilities.unloggedTables) await makeStagingLogged(db);
  for (const m of coreDdlModels(projectRoot)) await db.exec(m.sql);
}

/**
 * Staging is an ordinary LOGGED table on every warehouse, so that a server crash never needs a hand to restart.
 *
 * It used to be UNLOGGED on PostgreSQL (COPY into it wrote no WAL), and the load TRUNCATEs staging inside its
 * transaction. TRUNCATE of an unlogged table gives it a new file with an "init fork" and WAL-logs that fork's creation.
 * When the postmaster is SIGKILLed during the COPY, the backend aborts and unlinks the new init fork but leaves the
 * main fork as an empty file; recovery replays the WAL record, re-creates the init fork and then cannot copy it over
 * the empty main file: PostgreSQL 15 refused to start, "could not create file "base/…": File exists" (pgsql-bugs
 * #17731, unfixed upstream; a second start usually succeeds). Reproduced here with plain SQL on a private 15.20:
 * 3 of 3 first restarts failed after TRUNCATE of an unlogged table, 0 of 3 after TRUNCATE of a logged one or DELETE
 * from the unlogged one. DELETE would keep the bug one step away (creating or rewriting an unlogged table in a
 * transaction does the same) and bloat staging; a logged staging has no init forks at all.
 * The price is the WAL the COPY now writes (about 5% on COPY, measured): README "What happens when it fails", docs/benchmarks.md.
 * An older warehouse's UNLOGGED staging is made LOGGED here, once (the rewrite creates logged files only).
 */
async function makeStagingLogged(db: Warehouse): Promise<void> {
  const unlogged = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'staging' AND c.relkind = 'r' AND c.relpersistence = 'u' ORDER BY c.relname`);
  for (const { relname } of unlogged) await db.exec(`ALTER TABLE staging.${quotePgIdent(relname, 'staging table')} SET LOGGED`);
}

/** Reads staging.pending_runs and decides between nothing, a merge by key and a full replace. */
export async function planCore(db: Warehouse): Promise<CorePlan> {
  const runs = await db.query<PendingRun>('SELECT table_name, run_id, lineage, kind, record_count FROM staging.pending_runs ORDER BY table_name, run_id');
  if (runs.length === 0) return { mode: 'nothing pending', lineage: null, tables: [], runs };
  const lineages = [...new Set(runs.map((r) => r.lineage))];
  if (lineages.length > 1) {
    throw new OrderHeError(`Staging holds runs of ${lineages.length} source lineages (${lineages.join(', ')}); they come from different shops and cannot be merged together.`, 'Reload staging from the lake: npm run pipeline -- --from warehouse');
  }
  const lineage = lineages[0];
  const loaded = (await db.query<{ lineage: string }>('SELECT DISTINCT lineage FROM core.loaded_runs')).map((r) => r.lineage);
  const isNewLineage = loaded.length !== 1 || loaded[0] !== lineage;
  if (isNewLineage && !runs.some((r) => r.kind === 'full')) {
    throw new OrderHeError(`Staging holds only incremental runs of lineage ${lineage}, but core holds ${loaded.length ? `lineage ${loaded.join(', ')}` : 'nothing'}: increments cannot start a warehouse.`, 'Take a full extract of the source, then load it: npm run pipeline -- --from lake --full-extract all');
  }
  const tables = SOURCE_TABLES.filter((t) => runs.some((r) => r.table_name === t));
  return { mode: isNewLineage ? 'replace' : 'merge', lineage, tables, runs };
}

/**
 * Row counts of every core table (dim_customer: current versions and all versions). A table whose count `known`
 * already holds (readCoreTotals, read after the merge in the same transaction) is not counted again: the fact
 * tables' counts cost 0.6 s at 200k orders.
 */
export async function countCore(db: Warehouse, known: CoreTotals = new Map()): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const countOf = async (table: string, where = '') => {
    const source = SOURCE_TABLES.find((t) => CORE_TABLE_OF[t].table === table && (CORE_TABLE_OF[t].current ?? '') === where);
    const held = source && known.get(source);
    return Number(held ? held.n : (await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`))[0].n);
  };
  for (const table of CORE_TABLES) counts[table.replace('core.', '')] = await countOf(table);
  counts.dim_customer_current = await countOf('core.dim_customer', 'is_current');
  return counts;
}

/** A merge script runs when a staging table it reads has pending runs; one reading no staging table (dim_date) always runs. */
const mergeRuns = (m: SqlModel, tables: readonly SourceTable[]) => {
  const staged = m.reads.filter((r) => r.startsWith('staging.')).map((r) => r.slice('staging.'.length));
  return staged.length === 0 || staged.some((t) => (tables as readonly string[]).includes(t));
};

async function mergePendingRuns(tx: Warehouse, plan: CorePlan, projectRoot: string, declared: readonly DeclaredModel[], progress: PipelineContext['progress'], staged: StagedTotals) {
  if (plan.mode === 'replace') {
    // PostgreSQL's TRUNCATE is transactional and instant (a DELETE of 8 million fact rows is not). Redshift's
    // TRUNCATE commits the open transaction, which would publish a half-built core, so Redshift DELETEs.
    for (const table of CORE_TABLES) await tx.exec(emptyTableSql(tx.capabilities, table));
  }
  // Staging was just loaded: give the planner its real size before joining it (Redshift analyzes COPY targets itself).
  // Only the tables with pending runs were loaded. The merges do read these statistics: without them, at 200k orders,
  // the six merges took 5.6-7.8 s instead of 4.4-4.8 s (the order items merge 1.8-2.5 s instead of 1.0 s), more
  // than the 0.8-1.9 s these ANALYZEs cost.
  for (const t of plan.tables) await analyzeAfterLoad(tx, `staging.${t}`);
  // Several pending runs of a type 1 table may hold several versions of a key: keep the latest in staging, so the
  // merge files read staging as it is. (Customers keep every version: their merge builds SCD2 history from them.)
  for (const t of plan.tables) {
    if (t !== 'customers' && plan.runs.filter((r) => r.table_name === t).length > 1) await keepLatestVersions(tx, t);
  }
  const baseline = await snapshotCoreBeforeMerge(tx, plan.tables, { coreEmpty: plan.mode === 'replace', staged });
  const merges = coreMergeModels(projectRoot, declared).filter((m) => mergeRuns(m, plan.tables));
  let done = 0;
  for (const m of merges) {
    await tx.exec(m.sql);
    progress('core', ++done, merges.length, 'models');
  }
  // Fresh statistics, or the planner guesses row counts for the checks and the mart (measured: a 10x
  // underestimate turned the funnel's join into a 2 s parallel plan). Redshift analyzes on its own.
  // Only for the tables whose rows changed: a replace emptied them all, a merge changed the tables its scripts write
  // (an increment of orders leaves dim_product's statistics true, and ANALYZE of a fact table costs 0.15-0.35 s at
  // 200k orders).
  const written = plan.mode === 'replace' ? CORE_TABLES : CORE_TABLES.filter((table) => merges.some((m) => `core.${m.name}` === table));
  for (const table of written) await analyzeAfterLoad(tx, table);
  // The runs are now in core: record them, forgetting runs of lineages core no longer holds.
  if (plan.mode === 'replace') await tx.query('DELETE FROM core.loaded_runs WHERE lineage <> $1', [plan.lineage]);
  await tx.exec(`DELETE FROM core.loaded_runs USING staging.pending_runs p
                 WHERE core.loaded_runs.table_name = p.table_name AND core.loaded_runs.run_id = p.run_id`);
  // loaded_at is this process's clock, bound as a value: CURRENT_TIMESTAMP (or a column DEFAULT of it) is a
  // leader-node-only function on Redshift and fails in an INSERT ... SELECT that reads a table (Redshift docs:
  // "Leader node-only functions"); its compute-node GETDATE() does not exist on PostgreSQL.
  await tx.query(`INSERT INTO core.loaded_runs (table_name, run_id, lineage, kind, record_count, loaded_at)
                 SELECT table_name, run_id, lineage, kind, record_count, CAST($1 AS TIMESTAMPTZ) FROM staging.pending_runs`, [new Date().toISOString()]);
  await tx.exec('DELETE FROM staging.pending_runs');
  return baseline;
}

/**
 * Leaves one row per key in staging.<table>: the one with the latest updated_at (ties: any one of identical
 * versions). Only needed when several runs are pending; a single run is one extract of a table with a primary key,
 * so its keys are distinct, and sorting millions of rows to prove it cost 4.6 of 9.3 s for 3.96M status changes.
 * core's unique-key check still proves it before the merge commits.
 */
export async function keepLatestVersions(tx: Warehouse, table: SourceTable): Promise<void> {
  const { key } = CORE_TABLE_OF[table];
  const staged = `staging.${quotePgIdent(table, 'staging table')}`;
  const columns = columnNames(table).map((c) => quotePgIdent(c, 'staging column')).join(', ');
  await tx.exec(`CREATE TEMP TABLE latest_versions AS
    SELECT ${columns} FROM (
      SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.${key} ORDER BY s.updated_at DESC) AS version_rank FROM ${staged} s
    ) v WHERE v.version_rank = 1`);
  await tx.exec(emptyTableSql(tx.capabilities, staged));
  await tx.exec(`INSERT INTO ${staged} (${columns}) SELECT ${columns} FROM latest_versions`);
  await tx.exec('DROP TABLE latest_versions');
}

/**
 * Step 4b: merge staging into the star schema (core.*), in one transaction.
 * New lineage (a regenerated shop, a full extract) → core is replaced; same lineage → merged by key
 * (latest updated_at wins; customers keep SCD2 history). Nothing pending → nothing changes.
 * Quality gates run inside the transaction; a failure throws QualityError and rolls everything back.
 */
export async function buildCore(ctx: PipelineContext): Promise<StepResult> {
  const db = await ctx.warehouse();
  const root = ctx.config.projectRoot;
  // Read and validate the YAML before opening the transaction: a typo there is one sentence, and nothing started.
  const declared = loadDeclaredModels(root);
  const stagingModels = declared.filter((m) => m.layer === 'staging');
  const coreModels = declared.filter((m) => m.layer === 'core');
  return db.transaction(async (tx) => {
    await useMemoryForSorts(tx);
    await createCoreTables(tx, root);
    // One merge at a time: a second pipeline waits here instead of interleaving its writes.
    // (Redshift: LOCK takes no mode and is always exclusive; PostgreSQL's default mode is the same.)
    await tx.exec('LOCK TABLE core.loaded_runs');
    const plan = await planCore(tx);
    const checks: QualityCheck[] = [];
    let rows = 0;
    let core: CoreTotals | undefined;
    // Nothing pending: core is what the last merge checked and committed, so there is nothing to check again
    // (checkWarehouseQuality reports on it any time).
    if (plan.mode !== 'nothing pending') {
      // Each reconciliation runs for the models whose YAML declares it (sql/warehouse/{staging,core}/NAME.yml).
      // The manifest check's counts and sums of staging are the baseline's too (`staged`): each table is read once.
      const staged: StagedTotals = new Map();
      checks.push(...(await reconcileStagingWithManifest(tx, tablesDeclaring(stagingModels, 'manifest_vs_staging'), staged)));
      // Stop before touching core when staging does not hold what the manifests announced.
      assertQuality('warehouse load (manifest ↔ staging)', checks);
      const baseline = await mergePendingRuns(tx, plan, root, declared, ctx.progress, staged);
      const stagingVsCore = tablesDeclaring(coreModels, 'staging_vs_core');
      const guarded = baseline.filter((b) => stagingVsCore.includes(b.table));
      const fromSource = tablesDeclaring(coreModels, 'source_vs_core');
      // Staging ↔ core and source ↔ core compare the same core counts and sums: read them once for both.
      core = await readCoreTotals(tx, SOURCE_TABLES.filter((t) => fromSource.includes(t) || guarded.some((b) => b.table === t)));
      checks.push(...(await reconcileCoreWithStaging(tx, guarded, core)));
      // Rows written: one per distinct staged key (the latest version of each).
      rows = baseline.reduce((sum, b) => sum + b.stagedKeys, 0);
      checks.push(...(await runDataTests(tx, coreModels)));
      checks.push(...(await reconcileCoreWithSource(ctx, tx, fromSource, core)));
      assertQuality('core merge', checks);
      await recordTestResults(tx, 'core merge', checks);
    }
    // The YAML's descriptions become the tables' comments (before commit: they publish with the data).
    await commentOnModels(tx, [...stagingModels, ...coreModels]);
    const counts = await countCore(tx, core);
    return {
      rows,
      detail: {
        mode: plan.mode,
        lineage: plan.lineage,
        runs: plan.runs.length,
        tables: counts,
        // Counts plus the checks that did not pass (the whole report: checkWarehouseQuality), so --json stays one short line.
        quality: { ...qualitySummary(checks), notPassed: checks.filter((c) => c.status !== 'pass') },
      },
    };
  });
}
