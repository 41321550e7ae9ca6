/**
 * Writing one run's parts: CSV batches → gzip → sha256/byte tap → @aws-sdk/lib-storage Upload (multipart above 5 MB),
 * rolling to a new part, which starts again with the header line, after about `partBytes` gzipped bytes
 * (Redshift loads the parts of a manifest in parallel). Each stage waits for the next (backpressure), so memory stays
 * flat: at most gzip's buffer and two 5 MB upload chunks per table.
 */
import crypto from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';
import type { Upload } from '@aws-sdk/lib-storage';
import type { Lake } from './connection';
import { partKey, type PartRecord } from './format';

/** The `gzip` command's default; lake.gzipLevel sets another (the bench's native baseline uses the same level). */
const GZIP_LEVEL = 6;
/** lib-storage's multipart chunk: S3's minimum; an object smaller than this is one PutObject. */
const UPLOAD_PART_BYTES = 5 * 1024 * 1024;

/** CSV text ending at a row boundary, and how many rows it holds. */
export interface CsvBatch { text: string; rows: number }

export interface PartSinkOptions {
  lake: Lake;
  prefix: string;
  header: string;
  partBytes: number;
  written: string[];
  writeWhenEmpty: boolean;
  onRows(n: number): void;
  /** 1..9; default 6. */
  gzipLevel?: number;
}

/** One part being written: gzip → tap (sha256, bytes) → multipart Upload. */
interface OpenPart {
  key: string;
  gzip: zlib.Gzip;
  rows: number;
  bytes: number;
  hash: crypto.Hash;
  upload: Upload;
  done: Promise<unknown>;
}

/** Writes CSV batches into parts of about `partBytes` gzipped bytes, each starting with the header line. */
export class PartSink extends Writable {
  readonly parts: PartRecord[] = [];
  private current: OpenPart | null = null;
  constructor(private readonly o: PartSinkOptions) {
    super({ objectMode: true, highWaterMark: 4 });
  }

  override _write(batch: CsvBatch, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    this.writeBatch(batch).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void) {
    (async () => {
      if (!this.current && this.parts.length === 0 && this.o.writeWhenEmpty) this.current = this.openPart();
      if (this.current) await this.closePart();
    })().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void) {
    const part = this.current;
    this.current = null;
    if (!part) return cb(err);
    part.gzip.destroy();
    // abort() stops the multipart upload and asks S3 to drop the chunks it already has.
    part.upload.abort().catch(() => {}).finally(() => cb(err));
  }

  private async writeBatch(batch: CsvBatch) {
    const part = (this.current ??= this.openPart());
    part.rows += batch.rows;
    if (!part.gzip.write(batch.text)) {
      // Wait for gzip to drain, unless the upload fails first (then nobody would ever drain it).
      await Promise.race([once(part.gzip, 'drain'), part.done.then(() => { throw new Error(`The upload of ${part.key} ended early.`); })]);
    }
    this.o.onRows(batch.rows);
    if (part.bytes >= this.o.partBytes) await this.closePart();
  }

  private openPart(): OpenPart {
    const key = partKey(this.o.prefix, this.parts.length);
    const gzip = zlib.createGzip({ level: this.o.gzipLevel ?? GZIP_LEVEL });
    const hash = crypto.createHash('sha256');
    const part = { key, gzip, rows: 0, bytes: 0, hash } as OpenPart;
    const tap = new PassThrough();
    gzip.on('data', (chunk: Buffer) => { hash.update(chunk); part.bytes += chunk.length; });
    gzip.on('error', (err) => tap.destroy(err));
    gzip.pipe(tap);
    // lib-storage (~180 ms) loads with the first part written, not for every command that only reads the lake.
    const { Upload: MultipartUpload } = require('@aws-sdk/lib-storage') as { Upload: typeof Upload };
    part.upload = new MultipartUpload({
      client: this.o.lake.client,
      params: { Bucket: this.o.lake.bucket, Key: key, Body: tap, ContentType: 'application/gzip' },
      partSize: UPLOAD_PART_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
    });
    this.o.written.push(key);
    part.done = part.upload.done();
    part.done.catch(() => {}); // observed in writeBatch/closePart; never an unhandled rejection
    gzip.write(this.o.header);
    return part;
  }

  private async closePart() {
    const part = this.current!;
    this.current = null;
    part.gzip.end();
    await part.done;
    this.parts.push({ key: part.key, rows: part.rows, bytes: part.bytes, sha256: part.hash.digest('hex') });
  }
}
