/**
 * Step 4a: COPY the lake runs that core has not merged yet into staging.*, all in ONE transaction.
 *
 * Which runs: those of the lake's current lineage (state/extract.json) missing from core.loaded_runs, per table
 * from its latest full run among them: a full run holds every row of the table, so older pending runs are inside it
 * (a first load, a regenerated shop, or `--full-extract TABLE` after a damaged run, which the new full run supersedes).
 *
 * How depends on the warehouse's capabilities.lakeLoad. 'stream parts' (PostgreSQL, PGlite): each part is streamed
 * GetObject → sha256 check → gunzip → COPY ... FROM STDIN; no temp file, no whole part in memory. 'copy manifest'
 * (Redshift): one COPY ... MANIFEST per run, and the warehouse reads S3 itself.
 * Each run's COPY count must equal its manifest's record_count, or everything rolls back and staging stays as it was.
 * staging.pending_runs then names exactly the runs in staging; buildCore merges them and records them in core.loaded_runs.
 *
 * The steps, in order (loadLakeIntoStaging composes them; notebook 05 calls them one cell at a time):
 *   planWarehouseLoad → beginStagingLoad (BEGIN) → emptyStaging → per run copyRunIntoStaging = per part
 *   copyPartIntoStaging (openPartForCopy, COPY, count against the manifest) then checkRunCount → recordPendingRun
 *   → commit.
 */
import type { PipelineContext } from '../core/context';
import type { StepResult } from '../core/steps';
import type { Readable } from 'node:stream';
import { emptyTableSql, type Warehouse } from './adapter';
import { OrderHeError } from '../core/errors';
import { columnNames } from '../core/tables';
import { SOURCE_TABLES, runPrefix, type CopyManifest, type PartRecord, type RunRecord, type SourceTable } from '../lake/format';
import { checkPart, listRuns, openPartStream, readExtractState, readManifest, readRunRecord, reextractFix, type LakeHandle, type LakeRun } from '../lake/read';
import { createCoreTables } from './core-merge';
import type { LakeRunFeed } from '../lake/feed';
import { quoteTableName } from './copy-sql';

/** One lake run the load will COPY, with what its manifest promises. */
export interface RunToLoad {
  table: SourceTable;
  runId: string;
  lineage: string;
  kind: 'full' | 'incremental';
  prefix: string;
  manifestKey: string;
  columns: string[];
  /** The manifest's parts, in manifest order, each with the sha256 the run record gives it. */
  parts: PartRecord[];
  /** Sum of the manifest's record_count: what COPY must report for this run. */
  recordCount: number;
}

export interface WarehouseLoadPlan {
  /** The lake's current lineage, or null when nothing has been extracted yet. */
  lineage: string | null;
  runs: RunToLoad[];
  /** Runs of the current lineage not loaded because a later full run already holds their rows. */
  skipped: { table: SourceTable; runId: string; reason: string }[];
  /** Rows the manifests announce for all runs to load (the progress total). */
  totalRows: number;
}

/** Per table: how many runs and rows the load copied into staging. */
export type StagingLoadDetail = Record<SourceTable, { runs: number; rows: number }>;

/** Creates staging and core (idempotent DDL from sql/warehouse/staging and sql/warehouse/core). */
export async function createStagingTables(db: Warehouse, projectRoot: string): Promise<void> {
  await createCoreTables(db, projectRoot);
}

/**
 * Decides which runs to load: per table, the current lineage's runs not in core.loaded_runs, from the latest full
 * one among them. Before any COPY it checks that each table's last extracted run (state/extract.json) still has its
 * manifest, so a deleted manifest is named instead of its run being silently left out.
 */
export async function planWarehouseLoad(lake: LakeHandle, db: Warehouse): Promise<WarehouseLoadPlan> {
  const state = await readExtractState(lake);
  if (!state) return { lineage: null, runs: [], skipped: [], totalRows: 0 };
  const loaded = await db.query<{ table_name: string; run_id: string; lineage: string }>('SELECT table_name, run_id, lineage FROM core.loaded_runs');
  const runs: RunToLoad[] = [];
  const skipped: WarehouseLoadPlan['skipped'] = [];
  for (const table of SOURCE_TABLES) {
    const mine = loaded.filter((r) => r.table_name === table);
    const listed = await listRuns(lake, { table });
    const last = state.tables[table]?.lastRunId;
    if (last && !listed.some((r) => r.runId === last) && !mine.some((r) => r.run_id === last)) {
      // Run ids start with the run's UTC start time, and its load_date is that day.
      const loadDate = `${last.slice(0, 4)}-${last.slice(4, 6)}-${last.slice(6, 8)}`;
      throw new OrderHeError(`The manifest s3://${lake.bucket}/${runPrefix(table, loadDate, last)}manifest.json of ${table} run ${last} is missing, though state/extract.json records that run as extracted; its rows cannot be loaded.`,
        reextractFix(table));
    }
    const candidates: { run: LakeRun; record: RunRecord }[] = [];
    for (const run of listed) {
      if (mine.some((r) => r.run_id === run.runId)) continue;
      const record = await readRunRecord(lake, run);
      if (record.lineage === state.lineage) candidates.push({ run, record });
    }
    // The latest full run holds the whole table: earlier pending runs are inside it. (For customers, versions that only
    // a skipped run held are not added to their SCD2 history; the current version is the full run's.)
    const start = Math.max(0, candidates.map((c) => c.record.kind).lastIndexOf('full'));
    for (const c of candidates.slice(0, start)) skipped.push({ table, runId: c.run.runId, reason: `before full run ${candidates[start].run.runId}` });
    for (const { run, record } of candidates.slice(start)) runs.push(runToLoad(run, record, await readManifest(lake, run)));
  }
  return { lineage: state.lineage, runs, skipped, totalRows: runs.reduce((n, r) => n + r.recordCount, 0) };
}

function runToLoad(run: LakeRun, record: RunRecord, manifest: CopyManifest): RunToLoad {
  const byKey = new Map(record.parts.map((p) => [p.key, p]));
  const parts = manifest.entries.map((e) => {
    // The manifest names parts by URL (s3://bucket/key); our run record by key.
    const key = e.url.replace(/^s3:\/\/[^/]+\//, '');
    const part = byKey.get(key);
    if (!part) {
      throw new OrderHeError(`The manifest of ${run.table} run ${run.runId} names ${e.url}, which its run record (_run.json) does not list.`,
        reextractFix(run.table));
    }
    return { ...part, rows: e.meta.record_count };
  });
  return recordToLoad(run, record, parts);
}

/** A run as the load copies it: the parts given (the manifest's, or the run record's before the manifest exists). */
function recordToLoad(run: Pick<LakeRun, 'table' | 'runId' | 'prefix' | 'manifestKey'>, record: RunRecord, parts: PartRecord[]): RunToLoad {
  // COPY names the registry's columns, so a run whose CSV header differs (written before a registry change) is refused, never loaded shifted.
  const columns = columnNames(run.table);
  if (record.columns.map((c) => c.name).join(',') !== columns.join(',')) {
    throw new OrderHeError(`${run.table} run ${run.runId} holds the columns (${record.columns.map((c) => c.name).join(', ')}), but the table registry declares (${columns.join(', ')}).`,
      'Extract again from a source created by the current sql/source/ (npm run pipeline -- --from lake); a new lineage replaces the old runs.');
  }
  return {
    table: run.table, runId: run.runId, lineage: record.lineage, kind: record.kind, prefix: run.prefix, manifestKey: run.manifestKey,
    columns, parts, recordCount: parts.reduce((n, p) => n + p.rows, 0),
  };
}

/**
 * Streams every part of one run into staging.<table>, or has the warehouse COPY the run through its manifest
 * (capabilities.lakeLoad). Returns the rows COPY reported; throws when that differs from the manifest.
 * Call it inside a transaction. `region` is the bucket's (lake.region), for a warehouse that reads S3 itself.
 */
export async function copyRunIntoStaging(tx: Warehouse, lake: LakeHandle, run: RunToLoad, options: { region?: string; onRows?: (rows: number) => void } = {}): Promise<number> {
  const table = `staging.${run.table}`;
  let copied = 0;
  if (tx.capabilities.lakeLoad === 'copy manifest') {
    copied = await tx.copyRunFromManifest({ table, columns: run.columns, bucket: lake.bucket, region: options.region ?? '', manifestKey: run.manifestKey });
    options.onRows?.(copied);
  } else {
    for (const part of run.parts) {
      const rows = await copyPartIntoStaging(tx, lake, run, part);
      copied += rows;
      options.onRows?.(rows);
    }
  }
  checkRunCount(run, copied);
  return copied;
}

/**
 * Opens one part for COPY: S3 GetObject ─► sha256 and size check ─► gunzip, as a stream. The check runs as the
 * bytes pass; a part that does not match its run record fails the stream before it ends, so the COPY reading it
 * fails too and the transaction rolls back. Nothing is written to disk or held whole in memory.
 */
export async function openPartForCopy(lake: LakeHandle, run: RunToLoad, part: PartRecord): Promise<Readable> {
  return openPartStream(lake, part, { gunzip: true }).catch((err) => { throw inRun(run, err); });
}

/**
 * One part into staging.<table>: openPartForCopy, then COPY ... FROM STDIN, then the rows COPY reported against the
 * manifest's record_count for this part. Returns the rows; throws (naming the part) when they differ.
 */
export async function copyPartIntoStaging(tx: Warehouse, lake: LakeHandle, run: RunToLoad, part: PartRecord): Promise<number> {
  const table = `staging.${run.table}`;
  const csv = await openPartForCopy(lake, run, part);
  let rows: number;
  try {
    rows = await tx.copyCsvFromStream(table, run.columns, csv);
  } catch (err) {
    csv.destroy();
    // Damaged bytes usually break the gzip stream or the CSV before the part's sha256 is known: when the stored
    // part does not match its run record, that is the error to report, not COPY's complaint about a line.
    throw inRun(run, (err instanceof OrderHeError ? null : await checkPart(lake, part)) ?? err, part.key);
  }
  if (rows !== part.rows) {
    throw new OrderHeError(`COPY of s3://${lake.bucket}/${part.key} into ${table} loaded ${rows} rows, but the manifest of ${run.table} run ${run.runId} says ${part.rows}.`,
      reextractFix(run.table));
  }
  return rows;
}

/** A run's rows against its manifest's total record_count: a part missing or counted twice fails here. */
export function checkRunCount(run: RunToLoad, copied: number): void {
  if (copied !== run.recordCount) {
    throw new OrderHeError(`${run.table} run ${run.runId}: COPY loaded ${copied} rows, but its manifest says ${run.recordCount}.`,
      reextractFix(run.table));
  }
}

/** Records a copied run in staging.pending_runs: the list buildCore merges and then moves to core.loaded_runs. */
export async function recordPendingRun(tx: Warehouse, run: RunToLoad): Promise<void> {
  await tx.query('INSERT INTO staging.pending_runs (table_name, run_id, lineage, kind, record_count) VALUES ($1, $2, $3, $4, $5)',
    [run.table, run.runId, run.lineage, run.kind, run.recordCount]);
}

/**
 * The staging load's one transaction, held open across calls (and notebook cells): `tx` runs inside it until
 * commit() publishes everything at once or rollback() leaves staging as it was. Built on db.transaction, so every
 * driver keeps its own BEGIN/COMMIT rules.
 */
export interface StagingTransaction {
  tx: Warehouse;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** BEGIN: opens the staging load's transaction (see StagingTransaction). */
export async function beginStagingLoad(db: Warehouse): Promise<StagingTransaction> {
  const rollingBack = new Error('staging load rolled back');
  let end!: (err?: Error) => void;
  let opened!: (tx: Warehouse) => void;
  const txOpen = new Promise<Warehouse>((resolve) => (opened = resolve));
  const finished = db.transaction(async (tx) => {
    opened(tx);
    await new Promise<void>((resolve, reject) => (end = (err) => (err ? reject(err) : resolve())));
  });
  // BEGIN failing rejects `finished` before the callback ever runs.
  const tx = await Promise.race([txOpen, finished.then(() => txOpen)]);
  let open = true;
  return {
    tx,
    async commit() {
      if (!open) throw new OrderHeError('This staging load has already ended.', 'Start a new one: beginStagingLoad(db).');
      open = false;
      end();
      await finished;
    },
    async rollback() {
      if (!open) return;
      open = false;
      end(rollingBack);
      await finished.catch((err) => { if (err !== rollingBack) throw err; });
    },
  };
}

/** Names the run (and part) in an error from the lake or from COPY, keeping OrderHeError's fix. */
function inRun(run: RunToLoad, err: unknown, partKey?: string): Error {
  const what = `Loading ${run.table} run ${run.runId}${partKey ? ` (${partKey.slice(run.prefix.length)})` : ''} into staging failed`;
  if (err instanceof OrderHeError) return new OrderHeError(`${what}: ${err.message}`, err.fix, { cause: err });
  const e = err as { message?: string; code?: string };
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
    return new OrderHeError(`${what}: the part is not valid gzip (${e.message}).`, reextractFix(run.table), { cause: err });
  }
  return new OrderHeError(`${what}: ${e.message ?? String(err)}`, 'Check that staging matches the lake\'s columns (sql/warehouse/staging/) and that the warehouse is reachable (npm run doctor).', { cause: err });
}

/** Empties staging inside the load's transaction (TRUNCATE or DELETE: see capabilities.transactionalTruncate). */
export async function emptyStaging(tx: Warehouse) {
  for (const t of [...SOURCE_TABLES, 'pending_runs']) await tx.exec(emptyTableSql(tx.capabilities, quoteTableName(`staging.${t}`)));
}

/**
 * Step 4a: COPY the lake runs not yet in core into staging.* and record them in staging.pending_runs.
 * With a `feed` (the extract running at the same time, lib/lake/feed.ts), each new run's parts are copied as soon as
 * its run record lands, inside the same one transaction; the load then waits for the extract to finish, plans from
 * the manifests as always, checks that every run copied early is exactly what its manifest lists, copies any other
 * pending run, and only then commits. A failed extract rolls the load back: staging stays as it was.
 */
export async function loadLakeIntoStaging(ctx: PipelineContext, feed?: LakeRunFeed): Promise<StepResult> {
  const db = await ctx.warehouse();
  const lake = await ctx.lake();
  await createStagingTables(db, ctx.config.projectRoot);
  const detail = Object.fromEntries(SOURCE_TABLES.map((t) => [t, { runs: 0, rows: 0 }])) as StagingLoadDetail;
  let done = 0;
  let total: number | undefined;
  const onRows = (n: number) => ctx.progress('warehouse', (done += n), total, 'rows');
  const region = ctx.config.lake.region;
  let load: StagingTransaction | null = null;
  try {
    // Copied while the extract ran: run id → rows, checked against the manifests once they exist.
    const early = new Map<string, { run: RunToLoad; rows: number }>();
    if (feed) {
      load = await beginStagingLoad(db);
      await emptyStaging(load.tx);
      for await (const event of feed) {
        if (event.kind === 'restarted') {
          // The extract began again in a new snapshot and removed what it had written: so does the load.
          await emptyStaging(load.tx);
          early.clear();
          done = 0;
          continue;
        }
        const { record, prefix } = event;
        const run = recordToLoad({ table: record.table, runId: record.runId, prefix, manifestKey: `${prefix}manifest.json` }, record, record.parts);
        early.set(`${run.table}/${run.runId}`, { run, rows: await copyRunIntoStaging(load.tx, lake, run, { region, onRows }) });
      }
    }
    // Inside the open load where there is one (PGlite has one connection: a query beside its transaction would wait for it).
    const plan = await planWarehouseLoad(lake, load?.tx ?? db);
    if (plan.lineage === null) {
      throw new OrderHeError(`The lake s3://${lake.bucket} holds no extract yet (no state/extract.json), so there is nothing to load.`, 'Extract the source into the lake first: npm run pipeline -- --until lake');
    }
    total = plan.totalRows;
    ctx.progress('warehouse', done, total, 'rows');
    if (!load) {
      load = await beginStagingLoad(db);
      await emptyStaging(load.tx);
    }
    for (const run of plan.runs) {
      const copied = early.get(`${run.table}/${run.runId}`);
      early.delete(`${run.table}/${run.runId}`);
      let rows: number;
      if (copied) {
        // Manifest-gated: the parts copied early must be exactly the parts the manifest lists, with its counts.
        if (copied.run.parts.map((p) => `${p.key}:${p.rows}`).join() !== run.parts.map((p) => `${p.key}:${p.rows}`).join()) {
          throw new OrderHeError(`The manifest of ${run.table} run ${run.runId} lists other parts than its run record.`, reextractFix(run.table));
        }
        checkRunCount(run, copied.rows);
        rows = copied.rows;
      } else {
        rows = await copyRunIntoStaging(load.tx, lake, run, { region, onRows });
      }
      await recordPendingRun(load.tx, run);
      detail[run.table].runs += 1;
      detail[run.table].rows += rows;
    }
    if (early.size > 0) {
      const [key] = early.keys();
      throw new OrderHeError(`Run ${key} was copied into staging while the extract ran, but the lake's manifests do not list it.`, 'Run the load again: npm run pipeline -- --from warehouse');
    }
  } catch (err) {
    await load?.rollback().catch(() => {}); // the first error is the one to report
    throw err;
  }
  await load.commit();
  const rows = SOURCE_TABLES.reduce((n, t) => n + detail[t].rows, 0);
  return { rows, detail };
}

/** Row counts of the six staging tables and of staging.pending_runs' record_count per table, to compare in a notebook. */
export async function stagingCounts(db: Warehouse): Promise<{ table: SourceTable; staged: number; manifest: number; runs: number }[]> {
  const pending = await db.query<{ table_name: string; n: string; runs: string }>('SELECT table_name, SUM(record_count) AS n, COUNT(*) AS runs FROM staging.pending_runs GROUP BY table_name');
  const out = [];
  for (const table of SOURCE_TABLES) {
    const [row] = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoteTableName(`staging.${table}`)}`);
    const p = pending.find((r) => r.table_name === table);
    out.push({ table, staged: Number(row.n), manifest: Number(p?.n ?? 0), runs: Number(p?.runs ?? 0) });
  }
  return out;
}
