/**
 * Reading the lake: which runs exist, what a run holds, and a part's rows, each part checked against the
 * sha256 its run record promises. The warehouse load and the notebooks read the lake only through these.
 * A run exists for readers only once its manifest.json is written (the extract writes it last).
 */
import crypto from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Lake } from './connection';
import { OrderHeError } from '../core/errors';
import { CsvRowParser } from './csv';
import {
  EXTRACT_STATE_KEY, SOURCE_TABLES,
  type CopyManifest, type ExtractState, type PartRecord, type RunRecord, type SourceTable,
} from './format';

/** What the readers need of an open lake: a client and its bucket. */
export type LakeHandle = Pick<Lake, 'client' | 'bucket'>;

/** The source table a lake key belongs to (raw/<table>/...), or null for other keys (state/extract.json). */
export function tableOfKey(key: string): SourceTable | null {
  const m = /^raw\/([a-z_]+)\//.exec(key);
  return m && (SOURCE_TABLES as readonly string[]).includes(m[1]) ? (m[1] as SourceTable) : null;
}

/**
 * The recovery for a damaged or missing object of a table's run: extract that table again, in full, from the source
 * as it is. It keeps the shop (no regeneration, whatever its size) and the pending full run supersedes the damaged one
 * (planWarehouseLoad loads a table from its latest full run).
 */
export function reextractFix(table: SourceTable | null): string {
  return table
    ? `Extract ${table} again in full from the source, keeping the shop: npm run pipeline -- --from lake --full-extract ${table}`
    : 'Extract every table again in full from the source, keeping the shop: npm run pipeline -- --from lake --full-extract all';
}

/** A run that readers can see (its manifest exists). Sorted by runId: run ids start with their UTC start time. */
export interface LakeRun {
  table: SourceTable;
  loadDate: string;
  runId: string;
  /** raw/<table>/load_date=<d>/run=<id>/ */
  prefix: string;
  manifestKey: string;
}

const MANIFEST = /^raw\/([a-z_]+)\/load_date=(\d{4}-\d{2}-\d{2})\/run=([^/]+)\/manifest\.json$/;

/** Every complete run in the lake (optionally of one table), oldest first; runs without a manifest are ignored. */
export async function listRuns(lake: LakeHandle, options: { table?: SourceTable } = {}): Promise<LakeRun[]> {
  const runs: LakeRun[] = [];
  let token: string | undefined;
  do {
    const page = await lake.client.send(new ListObjectsV2Command({
      Bucket: lake.bucket, Prefix: options.table ? `raw/${options.table}/` : 'raw/', ContinuationToken: token,
    }));
    for (const obj of page.Contents ?? []) {
      const m = obj.Key ? MANIFEST.exec(obj.Key) : null;
      if (!m || !(SOURCE_TABLES as readonly string[]).includes(m[1])) continue;
      const prefix = obj.Key!.slice(0, -'manifest.json'.length);
      runs.push({ table: m[1] as SourceTable, loadDate: m[2], runId: m[3], prefix, manifestKey: obj.Key! });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const order = (t: SourceTable) => SOURCE_TABLES.indexOf(t);
  return runs.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : order(a.table) - order(b.table)));
}

// A type, not an interface, so a list of them goes straight into showTable (interfaces have no index signature).
export type LakeObject = {
  key: string;
  bytes: number;
  lastModified: string | null;
};

/** Every object under a prefix (e.g. 'raw/orders/'), in key order: the lake as a learner browses it. */
export async function listLakeObjects(lake: LakeHandle, prefix = ''): Promise<LakeObject[]> {
  const out: LakeObject[] = [];
  let token: string | undefined;
  do {
    const page = await lake.client.send(new ListObjectsV2Command({ Bucket: lake.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, bytes: o.Size ?? 0, lastModified: o.LastModified?.toISOString() ?? null });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The newest complete run of a table, or null when the table has none yet. */
export async function latestRun(lake: LakeHandle, table: SourceTable): Promise<LakeRun | null> {
  const runs = await listRuns(lake, { table });
  return runs.length > 0 ? runs[runs.length - 1] : null;
}

type RunRef = LakeRun | string;
const prefixOf = (run: RunRef) => (typeof run === 'string' ? (run.endsWith('/') ? run : run + '/') : run.prefix);

/** Our run record (_run.json): lineage, kind, watermark range, columns, and rows/bytes/sha256 of each part. */
export async function readRunRecord(lake: LakeHandle, run: RunRef): Promise<RunRecord> {
  return readJsonObject<RunRecord>(lake, `${prefixOf(run)}_run.json`);
}

/** The run's Redshift COPY manifest (manifest.json). */
export async function readManifest(lake: LakeHandle, run: RunRef): Promise<CopyManifest> {
  return readJsonObject<CopyManifest>(lake, `${prefixOf(run)}manifest.json`);
}

/** The extract's state (lineage and per-table watermarks), or null before the first extract. */
export async function readExtractState(lake: LakeHandle): Promise<ExtractState | null> {
  try {
    return await readJsonObject<ExtractState>(lake, EXTRACT_STATE_KEY);
  } catch (err) {
    if (err instanceof OrderHeError && (err.cause as { name?: string } | undefined)?.name === 'NoSuchKey') return null;
    throw err;
  }
}

/** A JSON object of the lake, parsed; a missing or unreadable object is one sentence naming it. */
export async function readJsonObject<T>(lake: LakeHandle, key: string): Promise<T> {
  let text: string;
  try {
    const res = await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: key }));
    text = await res.Body!.transformToString('utf8');
  } catch (err) {
    const missing = err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey';
    throw new OrderHeError(missing ? `s3://${lake.bucket}/${key} does not exist.` : `Cannot read s3://${lake.bucket}/${key}: ${(err as Error).message}`,
      missing ? reextractFix(tableOfKey(key)) : 'Check that the lake is reachable (npm run doctor).', { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new OrderHeError(`s3://${lake.bucket}/${key} is not valid JSON.`, reextractFix(tableOfKey(key)), { cause: err });
  }
}

/**
 * The part's bytes as stored (gzipped CSV), or with `gunzip` its CSV text, verified while streaming:
 * at the end the byte count and sha256 must match the run record, otherwise the stream fails with one
 * OrderHeError naming the object (before it ends, so a COPY reading it fails too, and rolls back).
 */
export async function openPartStream(lake: LakeHandle, part: Pick<PartRecord, 'key' | 'sha256' | 'bytes'>, options: { gunzip?: boolean } = {}): Promise<Readable> {
  let body: Readable;
  try {
    const res = await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: part.key }));
    body = res.Body as Readable;
  } catch (err) {
    const missing = (err as { name?: string }).name === 'NoSuchKey';
    throw new OrderHeError(missing ? `The lake part s3://${lake.bucket}/${part.key} is missing.` : `Cannot read s3://${lake.bucket}/${part.key}: ${(err as Error).message}`,
      missing ? reextractFix(tableOfKey(part.key)) : 'Check that the lake is reachable (npm run doctor).', { cause: err });
  }
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const verify = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      const sha256 = hash.digest('hex');
      cb(sha256 === part.sha256 && bytes === part.bytes ? undefined : partDamaged(lake, part, { sha256, bytes }));
    },
  });
  const streams: NodeJS.ReadWriteStream[] = options.gunzip ? [verify, zlib.createGunzip()] : [verify];
  // pipeline() destroys every stage when one fails, so an abandoned reader leaks no socket.
  return (pipeline as (...s: unknown[]) => Readable)(body, ...streams, () => {});
}

function partDamaged(lake: LakeHandle, part: Pick<PartRecord, 'key' | 'sha256' | 'bytes'>, found: { sha256: string; bytes: number }): OrderHeError {
  return new OrderHeError(`The lake part s3://${lake.bucket}/${part.key} is damaged: its sha256 is ${found.sha256.slice(0, 12)}… (${found.bytes} bytes), but its run record says ${part.sha256.slice(0, 12)}… (${part.bytes} bytes).`,
    reextractFix(tableOfKey(part.key)));
}

/**
 * Reads the stored part to its end and compares its sha256 and size with the run record: null when they match,
 * otherwise the checksum error naming the object. The load calls it when COPY or gunzip fails mid-part, because
 * damaged bytes usually break the CSV or the gzip stream before the stream's own check at its end is reached.
 */
export async function checkPart(lake: LakeHandle, part: Pick<PartRecord, 'key' | 'sha256' | 'bytes'>): Promise<OrderHeError | null> {
  try {
    const res = await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: part.key }));
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.Body as Readable) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const sha256 = hash.digest('hex');
    return sha256 === part.sha256 && bytes === part.bytes ? null : partDamaged(lake, part, { sha256, bytes });
  } catch {
    return null; // unreadable now: the caller keeps the error it already has
  }
}

export interface PartPreview {
  columns: string[];
  rows: (string | null)[][];
}

/** The first `limit` rows of a part (verified only when read to its end), as text columns; null is SQL NULL. */
export async function previewPart(lake: LakeHandle, part: Pick<PartRecord, 'key' | 'sha256' | 'bytes'>, limit = 10): Promise<PartPreview> {
  return readPartRows(lake, part, { limit });
}

/** The rows of a part; with no limit the whole part is read and its sha256 checked. */
export async function readPartRows(lake: LakeHandle, part: Pick<PartRecord, 'key' | 'sha256' | 'bytes'>, options: { limit?: number } = {}): Promise<PartPreview> {
  const limit = options.limit ?? Infinity;
  const stream = await openPartStream(lake, part, { gunzip: true });
  stream.setEncoding('utf8');
  const parser = new CsvRowParser();
  let columns: string[] | undefined;
  const rows: (string | null)[][] = [];
  const take = (found: (string | null)[][]) => {
    for (const r of found) {
      if (!columns) columns = r.map((c) => c ?? '');
      else if (rows.length < limit) rows.push(r);
    }
  };
  for await (const text of stream) {
    take(parser.push(text as string));
    if (rows.length >= limit) break; // leaving the loop destroys the stream: a preview reads only what it shows
  }
  if (rows.length < limit) take(parser.end());
  return { columns: columns ?? [], rows };
}

/** The rows of a whole run (every part, in order), as objects keyed by column; for notebooks, so keep runs small. */
export async function readRunObjects(lake: LakeHandle, run: RunRef, options: { limit?: number } = {}): Promise<Record<string, string | null>[]> {
  const record = await readRunRecord(lake, run);
  const limit = options.limit ?? Infinity;
  const out: Record<string, string | null>[] = [];
  for (const part of record.parts) {
    if (out.length >= limit) break;
    const { columns, rows } = await readPartRows(lake, part, { limit: limit - out.length });
    for (const r of rows) out.push(Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  }
  return out;
}

/** One object's bytes, whole (small objects only: parts go through openPartStream). */
export async function readLakeObject(lake: LakeHandle, key: string): Promise<Buffer> {
  const res = await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** Writes one small object (notebook experiments; the extract has its own streamed writer). */
export async function putLakeObject(lake: LakeHandle, key: string, body: Buffer | string): Promise<void> {
  await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: key, Body: body }));
}

export async function deleteLakeObject(lake: LakeHandle, key: string): Promise<void> {
  await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: key }));
}
