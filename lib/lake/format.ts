/**
 * The lake's contract: where objects live and what the run record and manifest hold.
 * The extract writes it; the warehouse load and the notebooks read it. Nothing else is shared.
 *
 * Layout, for humans and engines (Hive-style partitions):
 *   raw/<table>/load_date=YYYY-MM-DD/run=<runId>/part-00000.csv.gz   gzipped CSV parts
 *   raw/<table>/load_date=YYYY-MM-DD/run=<runId>/_run.json           our run record (RunRecord)
 *   raw/<table>/load_date=YYYY-MM-DD/run=<runId>/manifest.json       Redshift COPY manifest, written LAST:
 *                                                                    a run without one does not exist for readers
 *   state/extract.json                                               ExtractState: lineage and watermarks
 *
 * CSV dialect (PostgreSQL COPY ... (FORMAT csv, HEADER true, NULL '\N') and Redshift COPY ... CSV
 * IGNOREHEADER 1, whose default null string is \N, read it back exactly): a header line; comma-separated; RFC 4180 quoting
 * (a field with a comma, quote, CR or LF is quoted, quotes doubled); the empty string is written "" and NULL
 * as \N unquoted (a real value equal to \N is quoted); timestamps as 'YYYY-MM-DD HH:MM:SS.mmm+00' (UTC);
 * DECIMAL as its exact digits; LF line ends; UTF-8.
 */

import { SOURCE_TABLES, TABLES, type SourceTable } from '../core/tables';

export { SOURCE_TABLES, type SourceTable } from '../core/tables';

/** The primary key of each source table: the watermark's tie-breaker and the warehouse merge key. */
export const TABLE_KEYS = Object.fromEntries(SOURCE_TABLES.map((t) => [t, TABLES[t].key])) as Record<SourceTable, string>;

export interface Watermark {
  /** updated_at of the last row extracted, 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
  updatedAt: string;
  /** Its primary key: rows with the same updated_at are ordered by key, so none is skipped or taken twice. */
  key: string;
}

export interface PartRecord {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface RunRecord {
  runId: string;
  table: SourceTable;
  /** Changes whenever the source is regenerated (not appended): runs of different lineages never mix. */
  lineage: string;
  kind: 'full' | 'incremental';
  startedAt: string;
  finishedAt: string;
  /** Rows with (updated_at, key) > from and <= to; from is null on a full run. */
  watermark: { from: Watermark | null; to: Watermark | null };
  columns: { name: string; type: string }[];
  parts: PartRecord[];
  rows: number;
  bytes: number;
}

/** Redshift's COPY manifest format, byte for byte what `COPY ... MANIFEST` reads. */
export interface CopyManifest {
  entries: { url: string; mandatory: true; meta: { content_length: number; record_count: number } }[];
}

export interface ExtractState {
  lineage: string;
  tables: Partial<Record<SourceTable, { watermark: Watermark | null; lastRunId: string }>>;
}

export const runPrefix = (table: SourceTable, loadDate: string, runId: string) => `raw/${table}/load_date=${loadDate}/run=${runId}/`;
export const partKey = (prefix: string, index: number) => `${prefix}part-${String(index).padStart(5, '0')}.csv.gz`;
export const EXTRACT_STATE_KEY = 'state/extract.json';
