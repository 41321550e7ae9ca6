/**
 * Step 3: extract the six source tables into the S3 lake, full or incremental, as gzipped CSV parts plus a
 * run record and a Redshift COPY manifest per table (layout and dialect: lake-format.ts).
 *
 * Streamed end to end, so memory stays flat at any table size:
 *   SELECT writing one CSV line per row (csvLineSql) ─► mysql2 stream ─► csvBatches (~64 KB of text)
 *     ─► PartSink (lake-parts.ts): gzip ─► sha256/bytes tap ─► Upload
 * and each stage waits for the next one (backpressure), down to MySQL, which stops sending when we stop reading.
 *
 * Write order makes a failed run invisible: all parts and run records of every table, then all manifests,
 * then state/extract.json. A run without a manifest does not exist for readers, and the watermark only moves
 * when the state is written, so rerunning after a failure extracts the same rows again under a new run id.
 */
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Connection as CallbackConnection } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import type { PipelineContext } from '../core/context';
import type { RunOptions, StepResult } from '../core/steps';
import { OrderHeError } from '../core/errors';
import { quoteMysqlIdent } from '../core/identifiers';
import { lakeErrorFor, type Lake } from './connection';
import { TABLES } from '../core/tables';
import { csvKindOfColumn, csvLineSql, type CsvKind } from './csv';
import { readExtractState } from './read';
import { PartSink, type CsvBatch } from './parts';
import {
  EXTRACT_STATE_KEY, SOURCE_TABLES, TABLE_KEYS, runPrefix,
  type CopyManifest, type ExtractState, type PartRecord, type RunRecord, type SourceTable, type Watermark,
} from './format';

/** CSV text handed to gzip at a time: big enough that per-chunk costs vanish, small enough to stay flat. */
const BATCH_CHARS = 64 * 1024;

export interface ExtractSettings {
  /** Roll to a new part once this many gzipped bytes are written (default lake.partSizeMB). */
  partBytes?: number;
  /** Only these tables (tests, notebooks); default all six. The state keeps the others' watermarks. */
  tables?: readonly SourceTable[];
  /**
   * These tables get a full run even when they have a watermark: the recovery for a damaged or missing object of a
   * run. The warehouse loads a table from its latest full run, so the new run supersedes the damaged one, and the
   * source (whatever its size) is read as it is, never regenerated.
   */
  fullTables?: readonly SourceTable[];
}

export interface TableExtract {
  table: SourceTable;
  /** null when an incremental run found nothing changed: no run is written then. */
  runId: string | null;
  kind: 'full' | 'incremental';
  rows: number;
  parts: number;
  bytes: number;
  prefix: string | null;
}

export interface LakeExtractResult {
  runId: string;
  lineage: string;
  tables: TableExtract[];
  rows: number;
  bytes: number;
}

/** Step 3 as the pipeline calls it: every table, parts of lake.partSizeMB gzipped MB. */
export async function extractSourceIntoLake(ctx: PipelineContext, options: RunOptions): Promise<StepResult> {
  const result = await withSnapshotRetry(() => extractTablesIntoLake(ctx, { fullTables: options.fullExtract }));
  const detail: Record<string, unknown> = { runId: result.runId, lineage: result.lineage };
  for (const t of result.tables) detail[t.table] = { runId: t.runId, kind: t.kind, rows: t.rows, parts: t.parts, bytes: t.bytes };
  return { rows: result.rows, detail };
}

/**
 * MariaDB refuses a consistent-snapshot read of a table emptied (TRUNCATE recreates it) just before the snapshot
 * began, with "Table definition has changed, please retry transaction" (errno 1412): the extract right after a
 * source reload can meet it on a busy machine. As the message says, a new snapshot a moment later succeeds; a
 * failed attempt has already removed what it wrote.
 */
async function withSnapshotRetry<T>(extract: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await extract();
    } catch (err) {
      if ((err as { errno?: number }).errno !== 1412 || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 250 * i));
    }
  }
}

/**
 * Extracts the tables in one consistent snapshot of the source (orders and their items agree).
 * A new source lineage (the shop was regenerated) resets the state: every table gets a full run.
 * An incremental run that finds no changed rows writes nothing (no empty runs for the warehouse to skip);
 * a full run always writes its run, even for an empty table, with one header-only part, so the warehouse
 * always sees where a lineage starts and a manifest is never empty (Redshift's COPY "terminates if no files are
 * found", whatever `mandatory` says; a header-only part just loads 0 rows).
 */
export async function extractTablesIntoLake(ctx: PipelineContext, settings: ExtractSettings = {}): Promise<LakeExtractResult> {
  const lake = await ctx.lake();
  const source = await ctx.source();
  const partBytes = settings.partBytes ?? ctx.config.lake.partSizeMB * 1024 * 1024;
  const tables = settings.tables ?? SOURCE_TABLES;
  const started = new Date();
  const runId = newRunId(started);
  const loadDate = started.toISOString().slice(0, 10);

  const previous = await readExtractState(lake);
  const conn = await source.pool.getConnection();
  const written: string[] = []; // every key of this run, to remove them if the run fails
  const runs: { record: RunRecord; prefix: string }[] = [];
  let healthy = false;
  try {
    // One snapshot for all six tables, so orders and their items agree. A row committed after this snapshot
    // is caught by the next run only if its updated_at is above the watermark we store; the shop simulation writes
    // timestamps in order, but a live OLTP source needs a safety lag (extract only up to now() minus a few minutes).
    await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const lineage = await readSourceLineage(conn, source.database);
    const fresh = !previous || previous.lineage !== lineage;
    const state: ExtractState = fresh ? { lineage, tables: {} } : structuredClone(previous);

    const summaries: TableExtract[] = [];
    let rowsDone = 0;
    for (const table of tables) {
      const before = state.tables[table];
      const kind = fresh || !before || settings.fullTables?.includes(table) ? 'full' : 'incremental';
      const from = kind === 'incremental' ? before!.watermark : null;
      const prefix = runPrefix(table, loadDate, runId);
      const extracted = await extractTable({
        conn, lake, table, prefix, from, partBytes, gzipLevel: ctx.config.lake.gzipLevel, written, writeWhenEmpty: kind === 'full',
        onRows: (n) => { rowsDone += n; ctx.progress('lake', rowsDone, undefined, 'rows'); },
      });
      if (extracted.parts.length === 0) {
        summaries.push({ table, runId: null, kind, rows: 0, parts: 0, bytes: 0, prefix: null });
        continue;
      }
      const record: RunRecord = {
        runId, table, lineage, kind,
        startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
        watermark: { from, to: extracted.to ?? from },
        columns: extracted.columns.map(({ name, type }) => ({ name, type })),
        parts: extracted.parts,
        rows: extracted.parts.reduce((n, p) => n + p.rows, 0),
        bytes: extracted.parts.reduce((n, p) => n + p.bytes, 0),
      };
      await putJson(lake, `${prefix}_run.json`, record, written);
      runs.push({ record, prefix });
      state.tables[table] = { watermark: record.watermark.to, lastRunId: runId };
      summaries.push({ table, runId, kind, rows: record.rows, parts: record.parts.length, bytes: record.bytes, prefix });
    }
    ctx.progress('lake', rowsDone, rowsDone, 'rows');
    await conn.query('COMMIT');

    // Manifests last, all together: until here a failure leaves nothing a reader can see.
    for (const { record, prefix } of runs) await putJson(lake, `${prefix}manifest.json`, manifestFor(lake.bucket, record), written);
    await putJson(lake, EXTRACT_STATE_KEY, state);
    healthy = true;
    return {
      runId, lineage, tables: summaries,
      rows: summaries.reduce((n, t) => n + t.rows, 0),
      bytes: summaries.reduce((n, t) => n + t.bytes, 0),
    };
  } finally {
    if (healthy) conn.release();
    else {
      // The connection may be in the middle of a result set we stopped reading: drop it rather than reuse it.
      conn.destroy();
      await removeObjects(lake, written);
    }
  }
}

/** Redshift's COPY manifest for a run: every part mandatory, with its gzipped size and row count. */
export function manifestFor(bucket: string, record: RunRecord): CopyManifest {
  return {
    entries: record.parts.map((p) => ({
      url: `s3://${bucket}/${p.key}`, mandatory: true as const, meta: { content_length: p.bytes, record_count: p.rows },
    })),
  };
}

/** Run ids sort by time: 20261124T133501123Z-9f3a (UTC start, then a few random hex digits). */
export function newRunId(at = new Date()): string {
  return at.toISOString().replace(/[-:.]/g, '') + '-' + crypto.randomBytes(2).toString('hex');
}

/** The source's current lineage, or null before the source is loaded (no source_lineage row yet). */
export async function sourceLineage(ctx: PipelineContext): Promise<string | null> {
  const source = await ctx.source();
  try {
    const [rows] = (await source.pool.query('SELECT lineage_id FROM source_lineage')) as unknown as [{ lineage_id: string }[]];
    return rows.length === 1 ? rows[0].lineage_id : null;
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return null;
    throw err;
  }
}

async function readSourceLineage(conn: PoolConnection, database: string): Promise<string> {
  let rows: { lineage_id: string }[];
  try {
    [rows] = (await conn.query('SELECT lineage_id FROM source_lineage')) as unknown as [{ lineage_id: string }[]];
  } catch (err) {
    if ((err as { code?: string }).code !== 'ER_NO_SUCH_TABLE') throw err;
    rows = [];
  }
  if (rows.length !== 1) {
    throw new OrderHeError(`The source database "${database}" has ${rows.length === 0 ? 'no' : rows.length} lineage rows (source_lineage), so the lake cannot tell a regenerated shop from an appended one.`,
      'Load the source first: npm run pipeline -- --until source');
  }
  return rows[0].lineage_id;
}

interface SourceColumn { name: string; type: string; kind: CsvKind }

/**
 * The table's columns as the registry declares them (lib/core/tables.ts), in CSV order, each written by its kind.
 * The source is asked only for the column types the run record keeps, and to refuse a source whose table differs
 * from the registry (one created by an older sql/source/): CREATE TABLE IF NOT EXISTS never changes a table.
 */
async function sourceColumns(conn: PoolConnection, table: SourceTable): Promise<SourceColumn[]> {
  const [rows] = (await conn.query(
    `SELECT column_name AS name, column_type AS type FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`, [table],
  )) as unknown as [{ name: string; type: string }[]];
  if (rows.length === 0) {
    throw new OrderHeError(`The source has no table "${table}".`, 'Load the source first: npm run pipeline -- --until source');
  }
  const declared = TABLES[table].columns;
  const found = rows.map((r) => String(r.name));
  if (found.join(',') !== declared.map((c) => c.name).join(',')) {
    throw new OrderHeError(`The source table "${table}" has the columns (${found.join(', ')}), but the table registry declares (${declared.map((c) => c.name).join(', ')}).`,
      'Recreate the source from sql/source/: npm run reset -- --yes, then npm run pipeline');
  }
  return declared.map((c, i) => ({ name: c.name, type: String(rows[i].type).toLowerCase(), kind: csvKindOfColumn(c.kind) }));
}

interface TableJob {
  conn: PoolConnection;
  lake: Lake;
  table: SourceTable;
  prefix: string;
  from: Watermark | null;
  partBytes: number;
  gzipLevel: number;
  written: string[];
  writeWhenEmpty: boolean;
  onRows(n: number): void;
}

async function extractTable(job: TableJob): Promise<{ columns: SourceColumn[]; parts: PartRecord[]; to: Watermark | null }> {
  const columns = await sourceColumns(job.conn, job.table);
  const keyName = TABLE_KEYS[job.table];
  const t = quoteMysqlIdent(job.table, 'source table');
  const k = quoteMysqlIdent(keyName, 'source key');
  const u = quoteMysqlIdent('updated_at', 'source column');
  const line = csvLineSql(columns.map((c) => ({ sql: quoteMysqlIdent(c.name, 'source column'), kind: c.kind })));
  // No ORDER BY: inside one snapshot, "every row above the old watermark" is exactly the changed rows. Sorting
  // would only cost the source a filesort; the new watermark comes from the (updated_at, key) index below.
  const where = job.from ? ` WHERE ${u} > ? OR (${u} = ? AND ${k} > ?)` : '';
  const params = job.from ? [job.from.updatedAt, job.from.updatedAt, keyParam(job.from.key)] : [];

  const core = job.conn.connection as unknown as CallbackConnection;
  const rows = core.query({ sql: `SELECT ${line} FROM ${t}${where}`, values: params, rowsAsArray: true }).stream({ highWaterMark: 256 });
  const batcher = new CsvBatcher();
  const sink = new PartSink({
    lake: job.lake, prefix: job.prefix, header: columns.map((c) => c.name).join(',') + '\n',
    partBytes: job.partBytes, written: job.written, writeWhenEmpty: job.writeWhenEmpty, onRows: job.onRows,
    gzipLevel: job.gzipLevel,
  });
  try {
    await pipeline(rows, csvBatches(batcher), sink);
  } catch (err) {
    if (err instanceof OrderHeError) throw err;
    if ((err as { $metadata?: unknown }).$metadata !== undefined || (err as { name?: string }).name === 'AbortError') {
      throw lakeErrorFor(job.lake.endpoint, job.lake.bucket, err);
    }
    throw err;
  }
  // The largest (updated_at, key) among the rows just read, in the same snapshot: the next run starts after it.
  const [last] = (await job.conn.query({ sql: `SELECT ${u} AS updatedAt, ${k} AS k FROM ${t}${where} ORDER BY ${u} DESC, ${k} DESC LIMIT 1`, values: params })) as unknown as [{ updatedAt: string; k: string | number }[]];
  const to: Watermark | null = last.length ? { updatedAt: String(last[0].updatedAt), key: String(last[0].k) } : null;
  return { columns, parts: sink.parts, to };
}

/** Keys travel as numbers when exact (so MySQL compares them as numbers), otherwise as text. */
function keyParam(key: string): number | string {
  const n = Number(key);
  return Number.isSafeInteger(n) ? n : key;
}

/** CSV lines (one string per row, written by the server) → CSV text in ~64 KB batches. */
class CsvBatcher {
  private text = '';
  private rows = 0;

  /** Adds a row; returns a batch once enough text has built up. */
  add(line: string): CsvBatch | null {
    this.text += line + '\n';
    this.rows++;
    return this.text.length >= BATCH_CHARS ? this.take() : null;
  }

  /** The last, partial batch (null when empty). */
  rest(): CsvBatch | null {
    return this.rows > 0 ? this.take() : null;
  }

  private take(): CsvBatch {
    const batch = { text: this.text, rows: this.rows };
    this.text = '';
    this.rows = 0;
    return batch;
  }
}

/**
 * The pipeline stage between MySQL and the parts. An async generator, not an objectMode Transform: async iteration
 * drains the rows mysql2 has already parsed in one loop, while piping into a Transform paused and resumed the
 * socket every 16 rows (measured on 500k orders: 2.5x slower and 100 MB more RSS, most of it garbage collection).
 */
function csvBatches(batcher: CsvBatcher) {
  return async function* (rows: AsyncIterable<[string]>): AsyncGenerator<CsvBatch> {
    for await (const row of rows) {
      const batch = batcher.add(row[0]);
      if (batch) yield batch;
    }
    const last = batcher.rest();
    if (last) yield last;
  };
}

async function putJson(lake: Lake, key: string, value: unknown, written?: string[]) {
  written?.push(key);
  try {
    await lake.client.send(new PutObjectCommand({
      Bucket: lake.bucket, Key: key, Body: JSON.stringify(value, null, 2) + '\n', ContentType: 'application/json',
    }));
  } catch (err) {
    throw lakeErrorFor(lake.endpoint, lake.bucket, err);
  }
}

/** Best effort: a failed run's objects are invisible anyway (no manifest); removing them only saves space. */
async function removeObjects(lake: Lake, keys: string[]) {
  for (const key of keys.reverse()) {
    try {
      await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: key }));
    } catch {
      return; // the lake is unreachable: leave the orphans for the next run's reader to ignore
    }
  }
}

// The lake's readers and CSV dialect come with the extract (index.ts already exports this file).
export * from './read';
export * from './csv';
