/**
 * PGlite: PostgreSQL compiled to WebAssembly, files under <dataDir>/warehouse (the embedded profile).
 *
 * What PGlite allows for bulk loads (measured with 0.5.16): `COPY ... FROM STDIN` never finishes (the WASM
 * backend waits for input nothing can send), but `COPY ... FROM '/dev/blob'` reads a Blob handed to the query.
 * So a CSV stream is cut into blobs of about COPY_CHUNK_BYTES at record boundaries (a line end outside quotes)
 * and each blob is one COPY: memory stays bounded by the chunk size, not by the file, and the COPYs of one
 * call share a transaction, so a stream failing halfway leaves nothing behind.
 *
 * PGlite is one connection: while a transaction is open, every other query waits for it. Inside
 * `transaction(fn)` use only the `tx` it gives you.
 *
 * Capabilities: like PostgreSQL (transactional TRUNCATE, ANALYZE is ours to run) except that staging stays logged
 * (PGlite runs in this process: there is no server crash to survive) and work_mem stays at its default (the WASM
 * heap is small).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { WarehouseConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import type { Warehouse, WarehouseAdapter, WarehouseCapabilities } from './adapter';
import { copyFromBlobSql } from './copy-sql';

export const PGLITE_CAPABILITIES: WarehouseCapabilities = {
  lakeLoad: 'stream parts',
  transactionalTruncate: true,
  unloggedTables: false,
  sortMemory: null,
  analyzeAfterLoad: true,
  createsDatabase: false,
  comments: true,
  runLock: 'in process',
  concurrentSessions: 1,
  // COPY ... TO STDOUT never reaches us from the WASM backend; COPY TO '/dev/blob' would hold a whole table in memory.
  csvExport: 'paged select',
};

/** Size of one COPY blob: big enough that per-statement cost vanishes, small enough to stay far from the memory limit. */
export const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

// The same text values as the pg driver: BIGINT (20) and NUMERIC (1700) stay exact strings.
const parsers = { 20: (v: string) => v, 1700: (v: string) => v };

/** Opens (and with `create`, makes) the PGlite database in `cfg.dir`. The first open of a new folder takes ~10 s (initdb). */
export async function openPglite(cfg: WarehouseConfig, options: { create?: boolean; copyChunkBytes?: number } = {}): Promise<Warehouse> {
  const dir = cfg.dir;
  const exists = fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (!exists && !options.create) {
    throw new OrderHeError(`The embedded warehouse in ${dir} does not exist yet.`, 'Run the pipeline up to the warehouse: npm run pipeline -- --profile embedded --until warehouse');
  }
  fs.mkdirSync(dir, { recursive: true });
  let db: PGlite;
  try {
    // Required here, not at the top: PGlite costs ~120 ms to load and only the embedded profile opens it.
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    db = await PGlite.create(dir, { parsers });
  } catch (err) {
    throw new OrderHeError(`PGlite could not open the embedded warehouse in ${dir}: ${(err as Error).message}`,
      `Close other programs using that folder (another notebook kernel or pipeline), or delete it to start again: npm run reset -- --profile embedded`, { cause: err });
  }
  return pgliteWarehouse(db, `PGlite ${dir}`, options.copyChunkBytes ?? COPY_CHUNK_BYTES);
}

type PgliteQueryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

function pgliteWarehouse(db: PGlite, where: string, chunk: number): Warehouse {
  const outer = queryableWarehouse(db, where, chunk, (fn, options) => db.transaction(async (tx) => {
    // PGlite's transaction() sends a plain BEGIN; READ ONLY may still be set before the first query.
    if (options?.readOnly) await tx.exec('SET TRANSACTION READ ONLY');
    return fn(queryableWarehouse(tx, where, chunk, null));
  }));
  return {
    ...outer,
    // One call's COPYs are all-or-nothing even outside a transaction of the caller.
    copyCsvFromStream: (table, columns, csv) => db.transaction((tx) => queryableWarehouse(tx, where, chunk, null).copyCsvFromStream(table, columns, csv)),
    close: () => db.close(),
  };
}

/** `begin` opens a transaction on the outer handle; inside one (begin null) a nested call just runs in it. */
function queryableWarehouse(q: PgliteQueryable, where: string, chunk: number, begin: Warehouse['transaction'] | null): Warehouse {
  const self: Warehouse = {
    driver: 'pglite',
    capabilities: PGLITE_CAPABILITIES,
    where,
    async query<T>(sql: string, params?: unknown[]) {
      const res = await q.query<T>(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql) {
      await q.exec(sql);
    },
    async copyCsvFromStream(table, columns, csv) {
      let rows = 0;
      let first = true;
      for await (const blob of csvBlobs(csv, chunk)) {
        // Only the first blob starts with the header line.
        const res = await q.query(copyFromBlobSql(table, columns, first), [], { blob });
        rows += res.rowCount ?? res.affectedRows ?? 0;
        first = false;
      }
      return rows;
    },
    async copyRunFromManifest() {
      throw new OrderHeError('PGlite does not read the lake itself.', 'Stream each part with copyCsvFromStream (capabilities.lakeLoad is "stream parts").');
    },
    async copyCsvToStream() {
      throw new OrderHeError('PGlite has no COPY TO STDOUT.', 'Read the rows with SELECT pages (capabilities.csvExport is "paged select").');
    },
    transaction: (fn, options) => (begin ? begin(fn, options) : fn(self)),
    close: async () => {},
  };
  return self;
}

export const pgliteAdapter: WarehouseAdapter = {
  driver: 'pglite',
  capabilities: PGLITE_CAPABILITIES,
  open: (cfg, options) => openPglite(cfg, options),
  /** Doctor: opens (creating when new) the folder and asks its version. */
  async check(cfg) {
    const w = await openPglite(cfg, { create: true });
    try {
      const [row] = await w.query<{ version: string }>('SELECT version() AS version');
      return `PGlite in ${cfg.dir}: ${row.version.split(' on ')[0]}`;
    } finally {
      await w.close();
    }
  },
  extraChecks: () => [],
  localFolder: (cfg) => cfg.dir,
  describeStorage: (cfg) => `PGlite files in ${cfg.dir}`,
  async drop(cfg, log) {
    fs.rmSync(cfg.dir, { recursive: true, force: true });
    log(`removed PGlite files in ${cfg.dir}`);
  },
};

/**
 * Cuts a CSV byte stream into Blobs of at least `size` bytes that each end at a record boundary: a LF outside
 * double quotes (RFC 4180 quoting: "" inside a quoted field toggles twice, so counting quotes is enough).
 * Leaving the loop early (an error) destroys the source stream.
 */
export async function* csvBlobs(csv: Readable, size: number): AsyncGenerator<Blob> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let inQuotes = false;
  for await (const chunk of csv) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let cut = -1;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b === 0x22) inQuotes = !inQuotes;
      else if (b === 0x0a && !inQuotes) cut = i;
    }
    held.push(buf);
    heldBytes += buf.length;
    if (heldBytes >= size && cut >= 0) {
      const end = heldBytes - buf.length + cut + 1;
      const whole = Buffer.concat(held, heldBytes);
      yield new Blob([whole.subarray(0, end)]);
      const rest = whole.subarray(end);
      held = rest.length > 0 ? [Buffer.from(rest)] : [];
      heldBytes = rest.length;
    }
  }
  if (heldBytes > 0) yield new Blob([Buffer.concat(held, heldBytes)]);
}
