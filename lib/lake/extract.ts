/**
 * Step 3: extract the six source tables into the S3 lake, full or incremental, as gzipped CSV parts plus a
 * run record and a Redshift COPY manifest per table (layout: format.ts, dialect: csv.ts).
 *
 * Streamed end to end, so memory stays flat at any table size:
 *   SELECT writing one CSV line per row (csvLineSql) ─► mysql2 stream ─► csvBatches (~64 KB of text)
 *     ─► PartSink (parts.ts): gzip ─► sha256/bytes tap ─► Upload
 * and each stage waits for the next one (backpressure), down to MySQL, which stops sending when we stop reading.
 *
 * Write order makes a failed run invisible: all parts and run records of every table, then all manifests,
 * then state/extract.json. A run without a manifest does not exist for readers, and the watermark only moves
 * when the state is written, so rerunning after a failure extracts the same rows again under a new run id.
 *
 * The steps, in order (extractTablesIntoLake composes them; notebook 04 calls them one cell at a time):
 *   beginExtract (consistent snapshot, lineage) → per table extractTable = planTableSelect (the watermark SELECT)
 *   → writeTableParts → readNewWatermark → writeRunRecord; then endSnapshot → writeManifests → saveExtractState.
 *   abortExtract undoes a failed run.
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
import type { LakeRunFeed } from './feed';
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
  /**
   * A warehouse load running at the same time (lib/lake/feed.ts): each table's run is announced as soon as its run
   * record is written, and the tables go largest first, so the longest COPY overlaps the rest of the extract.
   */
  feed?: LakeRunFeed;
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
export async function extractSourceIntoLake(ctx: PipelineContext, options: RunOptions, feed?: LakeRunFeed): Promise<StepResult> {
  const result = await withSnapshotRetry(() => extractTablesIntoLake(ctx, { fullTables: options.fullExtract, feed }), () => feed?.restarted());
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
async function withSnapshotRetry<T>(extract: () => Promise<T>, onRetry: () => void, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await extract();
    } catch (err) {
      if ((err as { errno?: number }).errno !== 1412 || i >= attempts) throw err;
      onRetry();
      await new Promise((r) => setTimeout(r, 250 * i));
    }
  }
}

/**
 * Extracts the tables in one consistent snapshot of the source (orders and their items agree), composing the
 * steps below in their order; notebook 04 calls the same steps one cell at a time.
 * A new source lineage (the shop was regenerated) resets the state: every table gets a full run.
 * An incremental run that finds no changed rows writes nothing (no empty runs for the warehouse to skip);
 * a full run always writes its run, even for an empty table, with one header-only part, so the warehouse
 * always sees where a lineage starts and a manifest is never empty (Redshift's COPY "terminates if no files are
 * found", whatever `mandatory` says; a header-only part just loads 0 rows).
 */
export async function extractTablesIntoLake(ctx: PipelineContext, settings: ExtractSettings = {}): Promise<LakeExtractResult> {
  const run = await beginExtract(ctx, settings);
  try {
    const tables: TableExtract[] = [];
    for (const table of settings.feed ? await largestFirst(run) : run.tables) {
      const extracted = await extractTable(run, table);
      tables.push(extracted);
      if (extracted.runId && settings.feed) settings.feed.runWritten(run.records[run.records.length - 1].record, extracted.prefix!);
    }
    tables.sort((a, b) => run.tables.indexOf(a.table) - run.tables.indexOf(b.table));
    await endSnapshot(run);
    await writeManifests(run);
    await saveExtractState(run);
    return extractResult(run, tables);
  } catch (err) {
    await abortExtract(run);
    throw err;
  }
}

/** The statements that open the extract's read: every table read afterwards sees the source as of this moment. */
export const CONSISTENT_SNAPSHOT_SQL = [
  'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
  'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
] as const;

/** An extract in progress: one source connection holding one snapshot, and everything the run has written so far. */
export interface ExtractRun {
  runId: string;
  startedAt: Date;
  /** load_date=… of every key this run writes. */
  loadDate: string;
  /** The source's lineage, read inside the snapshot. */
  lineage: string;
  /** The lake's state before this run (null on the first extract into this lake). */
  previous: ExtractState | null;
  /** The state this run will save last: each table's new watermark is set when its run record is written. */
  state: ExtractState;
  tables: readonly SourceTable[];
  /** Tables that get a full run even with a watermark (ExtractSettings.fullTables). */
  fullTables: readonly SourceTable[];
  /** Run records written so far, each waiting for its manifest. */
  records: { record: RunRecord; prefix: string }[];
  /** Every key written, so a failed run can remove them. */
  written: string[];
  /** null once the snapshot is closed (endSnapshot) or dropped (abortExtract). */
  conn: PoolConnection | null;
  lake: Lake;
  partBytes: number;
  gzipLevel: number;
  /** Rows read so far, all tables. */
  rowsRead: number;
  onRows(n: number): void;
  /** The progress line (ctx.progress for step 'lake'). */
  progress(done: number, total?: number): void;
}

/**
 * Opens the extract: reads the lake's state, takes a source connection, opens the consistent snapshot
 * (CONSISTENT_SNAPSHOT_SQL) and reads the lineage inside it. A lineage the state does not know means a new shop:
 * every table gets a full run.
 */
export async function beginExtract(ctx: PipelineContext, settings: ExtractSettings = {}): Promise<ExtractRun> {
  const lake = await ctx.lake();
  const source = await ctx.source();
  const startedAt = new Date();
  const previous = await readExtractState(lake);
  const conn = await source.pool.getConnection();
  try {
    // One snapshot for all six tables, so orders and their items agree. A row committed after this snapshot
    // is caught by the next run only if its updated_at is above the watermark we store; the shop simulation writes
    // timestamps in order, but a live OLTP source needs a safety lag (extract only up to now() minus a few minutes).
    for (const sql of CONSISTENT_SNAPSHOT_SQL) await conn.query(sql);
    const lineage = await readSourceLineage(conn, source.database);
    const fresh = !previous || previous.lineage !== lineage;
    const run: ExtractRun = {
      runId: newRunId(startedAt), startedAt, loadDate: startedAt.toISOString().slice(0, 10), lineage, previous,
      state: fresh ? { lineage, tables: {} } : structuredClone(previous),
      tables: settings.tables ?? SOURCE_TABLES, fullTables: settings.fullTables ?? [], records: [], written: [], conn, lake,
      partBytes: settings.partBytes ?? ctx.config.lake.partSizeMB * 1024 * 1024,
      gzipLevel: ctx.config.lake.gzipLevel, rowsRead: 0,
      onRows: (n) => run.progress((run.rowsRead += n)),
      progress: (done, total) => ctx.progress('lake', done, total, 'rows'),
    };
    return run;
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

/** What one table's extract will read: the SELECT that writes CSV lines, and the query for the new watermark. */
export interface TableSelect {
  table: SourceTable;
  kind: 'full' | 'incremental';
  /** The watermark the run starts after (null: a full run reads every row). */
  from: Watermark | null;
  /** raw/<table>/load_date=…/run=…/ */
  prefix: string;
  columns: SourceColumn[];
  /** The SELECT sent to MySQL, exactly: one CSV line per row. */
  sql: string;
  values: (string | number)[];
  /** The CSV-line expression inside `sql` (long: one quoting rule per column). */
  csvLine: string;
  /** The largest (updated_at, key) among the same rows, read in the same snapshot: the next run's `from`. */
  watermarkSql: string;
}

/**
 * Plans one table: full when the state has no watermark for it (the lineage is new, or the table is in
 * fullTables: the recovery for a damaged run), otherwise incremental
 * from the stored watermark. Reads the table's columns from the source and checks it has its key and updated_at.
 */
export async function planTableSelect(run: ExtractRun, table: SourceTable): Promise<TableSelect> {
  const before = run.fullTables.includes(table) ? undefined : run.state.tables[table];
  const from = before ? before.watermark : null;
  const columns = await sourceColumns(openConn(run), table);
  return {
    ...watermarkSelect(table, columns, from),
    kind: before ? 'incremental' : 'full',
    prefix: runPrefix(table, run.loadDate, run.runId),
  };
}

/**
 * The watermark SELECT for a table: every row when `from` is null, otherwise only the rows whose
 * (updated_at, key) is above it, with the values bound as parameters.
 */
export function watermarkSelect(table: SourceTable, columns: SourceColumn[], from: Watermark | null): Omit<TableSelect, 'kind' | 'prefix'> {
  const keyName = TABLE_KEYS[table];
  const t = quoteMysqlIdent(table, 'source table');
  const k = quoteMysqlIdent(keyName, 'source key');
  const u = quoteMysqlIdent('updated_at', 'source column');
  const csvLine = csvLineSql(columns.map((c) => ({ sql: quoteMysqlIdent(c.name, 'source column'), kind: c.kind })));
  // No ORDER BY: inside one snapshot, "every row above the old watermark" is exactly the changed rows. Sorting
  // would only cost the source a filesort; the new watermark comes from the (updated_at, key) index below.
  const where = from ? ` WHERE ${u} > ? OR (${u} = ? AND ${k} > ?)` : '';
  const values = from ? [from.updatedAt, from.updatedAt, keyParam(from.key)] : [];
  return {
    table, from, columns, csvLine, values,
    sql: `SELECT ${csvLine} FROM ${t}${where}`,
    watermarkSql: `SELECT ${u} AS updatedAt, ${k} AS k FROM ${t}${where} ORDER BY ${u} DESC, ${k} DESC LIMIT 1`,
  };
}

/**
 * Streams the SELECT's rows into gzipped parts of about run.partBytes, each uploaded with its sha256 and size:
 *   mysql2 stream ─► csvBatches (~64 KB of text) ─► PartSink: gzip ─► sha256/bytes tap ─► Upload
 * with backpressure down to MySQL. A full run writes a header-only part for an empty table; an incremental
 * run with no rows writes nothing and returns no parts.
 */
export async function writeTableParts(run: ExtractRun, select: TableSelect): Promise<PartRecord[]> {
  const core = openConn(run).connection as unknown as CallbackConnection;
  const rows = core.query({ sql: select.sql, values: select.values, rowsAsArray: true }).stream({ highWaterMark: 256 });
  const sink = new PartSink({
    lake: run.lake, prefix: select.prefix, header: select.columns.map((c) => c.name).join(',') + '\n',
    partBytes: run.partBytes, written: run.written, writeWhenEmpty: select.kind === 'full', onRows: run.onRows,
    gzipLevel: run.gzipLevel,
  });
  // mysql2 neither ends nor fails a query stream whose connection is lost (a KILL, a server restart: sidorares/node-mysql2
  // issue 3082), so the pipeline below would wait for ever; the connection's own events fail the stream instead.
  const lost = (err?: Error) => rows.destroy(err ?? Object.assign(new Error('Connection lost: the server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }));
  const closed = () => lost();
  core.once('error', lost);
  core.once('end', closed);
  try {
    await pipeline(rows, csvBatches(new CsvBatcher()), sink);
  } catch (err) {
    if (err instanceof OrderHeError) throw err;
    if ((err as { $metadata?: unknown }).$metadata !== undefined || (err as { name?: string }).name === 'AbortError') {
      throw lakeErrorFor(run.lake.endpoint, run.lake.bucket, err);
    }
    throw err;
  } finally {
    core.off('error', lost);
    core.off('end', closed);
  }
  return sink.parts;
}

/** The largest (updated_at, key) among the rows the SELECT read, in the same snapshot: where the next run starts. */
export async function readNewWatermark(run: ExtractRun, select: TableSelect): Promise<Watermark | null> {
  const [last] = (await openConn(run).query({ sql: select.watermarkSql, values: select.values })) as unknown as [{ updatedAt: string; k: string | number }[]];
  return last.length ? { updatedAt: String(last[0].updatedAt), key: String(last[0].k) } : select.from;
}

/**
 * Writes the table's run record (_run.json: lineage, kind, watermark range, column types, each part's sha256) and
 * moves the table's watermark in the state the run will save. Returns null, writing nothing, when there are no parts.
 */
export async function writeRunRecord(run: ExtractRun, select: TableSelect, parts: PartRecord[], to: Watermark | null): Promise<RunRecord | null> {
  if (parts.length === 0) return null;
  const record: RunRecord = {
    runId: run.runId, table: select.table, lineage: run.lineage, kind: select.kind,
    startedAt: run.startedAt.toISOString(), finishedAt: new Date().toISOString(),
    watermark: { from: select.from, to },
    columns: select.columns.map(({ name, type }) => ({ name, type })),
    parts,
    rows: parts.reduce((n, p) => n + p.rows, 0),
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
  };
  await putJson(run.lake, `${select.prefix}_run.json`, record, run.written);
  run.records.push({ record, prefix: select.prefix });
  run.state.tables[select.table] = { watermark: to, lastRunId: run.runId };
  return record;
}

/** One table, start to end: planTableSelect, writeTableParts, readNewWatermark, writeRunRecord. */
export async function extractTable(run: ExtractRun, table: SourceTable): Promise<TableExtract> {
  const select = await planTableSelect(run, table);
  const parts = await writeTableParts(run, select);
  const to = await readNewWatermark(run, select);
  const record = await writeRunRecord(run, select, parts, to);
  if (!record) return { table, runId: null, kind: select.kind, rows: 0, parts: 0, bytes: 0, prefix: null };
  return { table, runId: run.runId, kind: select.kind, rows: record.rows, parts: parts.length, bytes: record.bytes, prefix: select.prefix };
}

/**
 * The run's tables by the source's row estimate, largest first (InnoDB's estimate: a cheap read of the catalog).
 * Each table is first touched inside the snapshot, so a snapshot MariaDB refuses (errno 1412, see withSnapshotRetry)
 * is refused before any run is announced to the warehouse.
 */
async function largestFirst(run: ExtractRun): Promise<SourceTable[]> {
  for (const table of run.tables) await openConn(run).query(`SELECT 1 FROM ${quoteMysqlIdent(table, 'source table')} LIMIT 1`);
  const [rows] = (await openConn(run).query(
    'SELECT table_name AS name, table_rows AS n FROM information_schema.tables WHERE table_schema = DATABASE()',
  )) as unknown as [{ name: string; n: number | string | null }[]];
  const estimate = new Map(rows.map((r) => [String(r.name), Number(r.n ?? 0)]));
  return [...run.tables].sort((a, b) => (estimate.get(b) ?? 0) - (estimate.get(a) ?? 0));
}

/** Ends the read: COMMIT the snapshot and hand the connection back. Everything the source has to give is in the lake now. */
export async function endSnapshot(run: ExtractRun): Promise<void> {
  const conn = openConn(run);
  run.progress(run.rowsRead, run.rowsRead);
  await conn.query('COMMIT');
  run.conn = null;
  conn.release();
}

/** Writes every run's manifest, all together and after every part and run record: until here no reader sees the run. */
export async function writeManifests(run: ExtractRun): Promise<string[]> {
  const keys: string[] = [];
  for (const { record, prefix } of run.records) {
    await putJson(run.lake, `${prefix}manifest.json`, manifestFor(run.lake.bucket, record), run.written);
    keys.push(`${prefix}manifest.json`);
  }
  return keys;
}

/** Saves state/extract.json, last: only now do the watermarks move, so a run that failed before this is simply redone. */
export async function saveExtractState(run: ExtractRun): Promise<ExtractState> {
  await putJson(run.lake, EXTRACT_STATE_KEY, run.state);
  return run.state;
}

/** After a failure: drop the connection (it may be mid result set) and remove what the run wrote (best effort). */
export async function abortExtract(run: ExtractRun): Promise<void> {
  run.conn?.destroy();
  run.conn = null;
  await removeObjects(run.lake, run.written);
}

/** The run's summary, as extractTablesIntoLake returns it. */
export function extractResult(run: ExtractRun, tables: TableExtract[]): LakeExtractResult {
  return {
    runId: run.runId, lineage: run.lineage, tables,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    bytes: tables.reduce((n, t) => n + t.bytes, 0),
  };
}

function openConn(run: ExtractRun): PoolConnection {
  if (!run.conn) throw new OrderHeError(`Extract run ${run.runId} has already ended its snapshot.`, 'Start a new one: beginExtract(ctx).');
  return run.conn;
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

/** A source column as the extract reads it: its name, its MySQL type and how the CSV writes it. */
export interface SourceColumn { name: string; type: string; kind: CsvKind }

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
