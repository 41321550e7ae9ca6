/**
 * @orderhe/lib: what the notebooks import, and nothing else. The library is one folder per step, in the order data
 * flows: generate → source → lake → warehouse → mart → charts, with core/ (config, errors, context) under them,
 * quality/ (the data tests declared in the YAML beside each SQL model) beside the warehouse, and notebook/
 * (display, progress, checkpoints) on top; each folder's index.ts is its own face. This file names what a notebook calls, folder by
 * folder (test/layout.test.ts checks that every name a notebook imports is here). A module imports only from the
 * steps before it and from core/.
 */

// core/: config, errors, the context every step takes, the table registry
export {
  describeError, loadConfig, type OrderHeConfig, OrderHeError, type PipelineContext, type RunOptions, SOURCE_TABLES,
  type SourceTable, type StepResult, TABLES,
} from './core';

// generate/: step 1: the simulated shop as LOAD DATA files
export {
  CARRIER_DAYS, DIRTY_RATES, generatedFile, LATE_DELIVERY, readGeneratedManifest, readGeneratedRows, SHIPPING_FEES,
  SHOP_COUNTRIES, SHOP_TABLES, VALID_EMAIL, writeShopFiles,
} from './generate';

// source/: step 2: the MySQL source
export {
  checksumSourceTables, countSourceRows, createSourceSchema, insertRowByRow, loadDataLocal, loadDataStatement,
  loadShopIntoSource, sourceDdlFiles,
} from './source';

// lake/: step 3: the S3 lake: the extract in its small steps, and reading runs back
export {
  abortExtract, beginExtract, CONSISTENT_SNAPSHOT_SQL, csvFieldSql, deleteLakeObject, endSnapshot,
  extractSourceIntoLake, extractTable, extractTablesIntoLake, latestRun, listLakeObjects, listRuns, openPartStream,
  planTableSelect, previewPart, putLakeObject, readExtractState, readLakeObject, readManifest, readNewWatermark,
  readPartRows, readRunObjects, readRunRecord, saveExtractState, sourceLineage, watermarkSelect, writeManifests,
  writeRunRecord, writeTableParts,
} from './lake';

// quality/: data tests and reconciliations
export {
  checkMartQuality, checkWarehouseQuality, type QualityCheck, QualityError,
} from './quality';

// warehouse/: step 4: staging load (its transaction in small steps) and core merge
export {
  beginStagingLoad, buildCore, checkRunCount, copyFromStdinSql, copyPartIntoStaging, copyRunIntoStaging,
  coreMergeModels, createCoreTables, createStagingTables, emptyStaging, loadLakeIntoStaging, planWarehouseLoad,
  recordPendingRun, redshiftCopyErrorFor, redshiftCopySql, stagingCounts,
} from './warehouse';

// mart/: step 5: the mart: build, query, lineage
export {
  buildMart, lineageGraph, lineageText, listMartTables, martModels, modelLineage, queryMart,
} from './mart';

// charts/: step 6: chart specs, the dashboard views and file
export {
  barChart, categoryColors, categoryMixView, chart, cohortRetentionView, dashboardOutputDir, formatKpi, headlineKpis,
  heatmapChart, kpiTiles, lineChart, readDashboardData, regionsView, revenueTrendView, rfmSegmentsView, scatterChart,
  statusFunnelView, topProductsView, type VegaLiteSpec, writeDashboard,
} from './charts';

// notebook/: display, checkpoints, exercises and exploration in the notebook
export {
  assertMartBuilt, bindWatermark, chartQuery, checkAnswer, checkBestWeekday, checkCategoryChart,
  checkCategoryRevenue, checkCsvColumnTotal, checkCurrentRuns, checkManifestProblems, checkMarginChart,
  checkNeverOrdered, checkpoint, checkRedshiftCopy, checkRepointOrders, checkRevenueRule, checkSegmentChart,
  checkSlowestDestination,
  checkStatusMatchesHistory, checkTouchedOrders, checkWatermarkPredicate, checkWeeklySales, chromiumPath,
  type CsvColumnTotal, driveDashboard, ensureShop, hint, type ManifestProblems, queryFrame, queryRows,
  type RunSummary, showChart, showMartTables, showPng, showTable, toFrame, WORKSHOP_SHOP,
} from './notebook';

// pipeline/: the six steps in order
export {
  generateShop, loadWarehouse, runPipeline, stepRange, type StepReport,
} from './pipeline';

// doctor/: every connection checked, with its fix
export {
  runDoctor, showDoctor,
} from './doctor';

import { openPipeline as openPipelineQuietly } from './pipeline';
import type { OpenPipelineOptions, PipelineContext } from './core/context';
import { notebookProgress } from './notebook/progress';

/** A notebook's context: long steps draw an updating progress line in the running cell (the CLI draws its own). */
export function openPipeline(options: OpenPipelineOptions = {}): PipelineContext {
  return openPipelineQuietly({ ...options, progress: options.progress ?? notebookProgress() });
}
