/**
 * Quality gates of the warehouse, returned as data (one row per check) so a notebook shows them as a table
 * and the core merge and the mart build refuse to commit when any fails. Which checks run is declared in the
 * YAML beside each model (sql/**\/NAME.yml): data tests (unique, not_null, relationships, accepted_values,
 * unique_combination, reconcile) and, by name, the TypeScript reconciliations of the chain
 *   source (MySQL) ↔ lake manifest (staging.pending_runs record counts) ↔ staging ↔ core ↔ mart.
 */
import type { PipelineContext } from '../core/context';
import type { Warehouse } from '../core/connections';
import { OrderHeError } from '../core/errors';
import type { QualityCheck } from './check-result';
import { loadDeclaredModels, type DeclaredModel, type ModelLayer } from './declared-models';
import { runDataTests, type Placement } from './data-tests';
import { reconcileCoreWithSource, tablesDeclaring } from './reconciliations';

export * from './check-result';
export {
  reconcileStagingWithManifest, snapshotCoreBeforeMerge, reconcileCoreWithStaging, reconcileCoreWithSource, tablesDeclaring,
  readCoreTotals, RECONCILIATION_LABEL, type CoreBaseline, type CoreTotals, type StagedTotals,
} from './reconciliations';

/** The declared models of one layer (sql/warehouse/core/*.yml for 'core'). */
export const declaredModelsOf = (projectRoot: string, layer: ModelLayer): DeclaredModel[] => loadDeclaredModels(projectRoot).filter((m) => m.layer === layer);

/** The data tests declared for core (keys, references, accepted values, current versions), run on core as it is. */
export async function checkCore(db: Warehouse, projectRoot: string): Promise<QualityCheck[]> {
  return runDataTests(db, declaredModelsOf(projectRoot, 'core'));
}

/**
 * The data tests declared for the mart. `placement` says where the mart being checked lives:
 * `{ mart: 'mart_build' }` while building, the published `mart` schema by default.
 */
export async function checkMart(db: Warehouse, projectRoot: string, placement: Placement = {}): Promise<QualityCheck[]> {
  return runDataTests(db, declaredModelsOf(projectRoot, 'mart'), placement);
}

const tableExists = async (db: Warehouse, schema: string, table: string) =>
  Number((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, table]))[0].n) > 0;

/**
 * The report on what the warehouse holds now, read-only (notebook 06 shows it): core's declared tests plus
 * source ↔ core for the models that declare it, when the source is reachable. buildCore runs the same before it commits.
 */
export async function checkWarehouseQuality(ctx: PipelineContext): Promise<QualityCheck[]> {
  const db = await ctx.warehouse();
  if (!(await tableExists(db, 'core', 'fct_orders'))) throw new OrderHeError('The warehouse has no core tables yet.', 'Build them first: npm run pipeline -- --until warehouse (or the buildCore cell of notebook 06).');
  const models = loadDeclaredModels(ctx.config.projectRoot);
  return [...(await runDataTests(db, models.filter((m) => m.layer === 'core'))), ...(await reconcileCoreWithSource(ctx, db, tablesDeclaring(models, 'source_vs_core')))];
}

/**
 * The mart's declared tests on the published mart, read-only. Only meaningful right after buildMart: once core
 * has merged newer runs, the mart is simply older than core until the next build, and these checks say so.
 */
export async function checkMartQuality(ctx: PipelineContext): Promise<QualityCheck[]> {
  const db = await ctx.warehouse();
  if (!(await tableExists(db, 'mart', 'daily_sales'))) throw new OrderHeError('The mart has not been built yet.', 'Build it: npm run pipeline -- --until mart (or the buildMart cell of notebook 06).');
  return checkMart(db, ctx.config.projectRoot);
}
