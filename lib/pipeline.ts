/**
 * The pipeline: the six steps in the one order data flows, each a function of its step's folder that a
 * notebook cell calls and that `npm run pipeline` calls in the same order (core/runner.ts times them).
 */
import { createPipelineContext, type OpenPipelineOptions, type PipelineContext } from './core/context';
import { openSource } from './source/connection';
import { openLake } from './lake/connection';
import { openWarehouse } from './warehouse/open';
import { STEP_NAMES, type RunOptions, type Step, type StepName, type StepResult } from './core/steps';
import { runSteps, type StepReport } from './core/runner';
import { generateShopFiles, type GenerateSettings } from './generate/generate-shop';
import { currentShopInSource } from './source/current-shop';
import { loadShopIntoSource } from './source/load';
import { extractSourceIntoLake } from './lake/extract';
import { LakeRunFeed } from './lake/feed';
import { loadLakeIntoStaging } from './warehouse/staging-load';
import { buildCore } from './warehouse/core-merge';
import { buildMart } from './mart/build';
import { writeDashboard } from './charts/dashboard';
import type { OrderHeConfig } from './core/config';
import { thisRun, type HeldRunLock } from './core/run-lock';
import { holdSourceRunLock } from './source/run-lock';
import { holdWarehouseRunLock } from './warehouse/run-lock';
import { warehouseAdapter } from './warehouse/open';
import { checkFolderWritable, checkRunSettings, foldersWritten } from './core/preflight';

/** The config plus the three connections, each opened on first use and closed together by close(). */
export function openPipeline(options: OpenPipelineOptions = {}): PipelineContext {
  return createPipelineContext({ source: openSource, lake: openLake, warehouse: openWarehouse }, options);
}

/** Step 1: a fresh shop as files, or (append) more days of the shop the source holds now. */
export async function generateShop(ctx: PipelineContext, options: RunOptions, settings: GenerateSettings = {}): Promise<StepResult> {
  return generateShopFiles(ctx, options, { ...settings, currentShop: options.append ? await currentShopInSource(ctx) : undefined });
}

/**
 * The warehouse step is two moves: COPY the new lake runs into staging, then merge staging into core. With a `feed`
 * (the extract running at the same time) the COPY begins as the extract's first run lands.
 */
export async function loadWarehouse(ctx: PipelineContext, feed?: LakeRunFeed): Promise<StepResult> {
  const staged = await loadLakeIntoStaging(ctx, feed);
  const core = await buildCore(ctx);
  return { rows: staged.rows, detail: { staging: staged.detail, core: core.detail } };
}

export const STEPS: Record<StepName, Step> = {
  generate: generateShop,
  source: loadShopIntoSource,
  lake: extractSourceIntoLake,
  warehouse: (ctx) => loadWarehouse(ctx),
  mart: buildMart,
  dashboard: writeDashboard,
};

/**
 * Runs the steps in order. Where the warehouse streams the lake's parts itself and has sessions to spare
 * (capabilities: lakeLoad 'stream parts', concurrentSessions > 1), the lake and warehouse steps overlap: the
 * extract goes largest table first and the warehouse copies each run into staging as it lands, committing only
 * once the extract's manifests and state are written (lib/lake/feed.ts). Elsewhere (Redshift reads the lake
 * through manifests; PGlite is one connection) they run one after the other.
 */
export function runPipeline(ctx: PipelineContext, options: RunOptions, steps: StepName[] = [...STEP_NAMES], onStep?: (r: StepReport) => void, onStart?: (step: StepName) => void): Promise<StepReport[]> {
  const { capabilities } = warehouseAdapter(ctx.config.warehouse);
  if (!(steps.includes('lake') && steps.includes('warehouse') && capabilities.lakeLoad === 'stream parts' && capabilities.concurrentSessions > 1)) {
    return runSteps(STEPS, ctx, options, steps, onStep, onStart);
  }
  const feed = new LakeRunFeed();
  const overlapped: Record<StepName, Step> = {
    ...STEPS,
    lake: async (c, o) => {
      try {
        const result = await extractSourceIntoLake(c, o, feed);
        feed.finished();
        return result;
      } catch (err) {
        feed.failed(err);
        throw err;
      }
    },
    warehouse: (c) => loadWarehouse(c, feed),
  };
  return runSteps(overlapped, ctx, options, steps, onStep, onStart, { warehouse: 'lake' });
}

/**
 * The one validation pass before a run touches anything (loadConfig has checked every value and name): every folder
 * the steps write can be written, the warehouse's own folder included (PGlite). `npm run doctor` runs the same.
 */
export function checkBeforeRun(config: OrderHeConfig, steps: readonly StepName[]): void {
  checkRunSettings(config, steps);
  const folder = warehouseAdapter(config.warehouse).localFolder?.(config.warehouse);
  if (folder && steps.some((s) => s === 'warehouse' || s === 'mart' || s === 'dashboard')) checkFolderWritable(folder, 'warehouse.dir');
}

/** Every folder a run of `steps` writes, for naming the one on a full disk. */
export function runFolders(config: OrderHeConfig, steps: readonly StepName[]): string[] {
  const folder = warehouseAdapter(config.warehouse).localFolder?.(config.warehouse);
  return [...foldersWritten(config, steps).map((f) => f.dir), ...(folder ? [folder] : [])];
}

/**
 * Takes the run lock on every database the steps write, before any of them runs, and holds it until release():
 * the source (the source and lake steps) and the warehouse (warehouse, mart, dashboard). A second run on any of the
 * same databases is refused naming this one (host, pid, start time); see lib/core/run-lock.ts.
 */
export async function holdRunLocks(config: OrderHeConfig, steps: readonly StepName[]): Promise<{ release(): Promise<void> }> {
  const holder = thisRun();
  const held: HeldRunLock[] = [];
  const release = async () => {
    for (const lock of held.splice(0).reverse()) await lock.release();
  };
  try {
    if (steps.some((s) => s === 'source' || s === 'lake')) held.push(await holdSourceRunLock(config.source, holder));
    if (steps.some((s) => s === 'warehouse' || s === 'mart' || s === 'dashboard')) held.push(await holdWarehouseRunLock(config.warehouse, holder));
  } catch (err) {
    await release();
    throw err;
  }
  return { release };
}

export { stepRange, type StepReport } from './core/runner';
