/**
 * One interface for every warehouse (dlt's "destination" idea): PostgreSQL locally, PGlite embedded,
 * Redshift on AWS, each its own module (postgres.ts, pglite.ts, redshift.ts) declaring its capabilities.
 * Loading and models call only this and ask `capabilities`, so switching warehouses is configuration.
 * open.ts is the one place that picks an adapter by the profile's `warehouse.driver`.
 */
import type { OrderHeConfig, WarehouseConfig } from '../core/config';
import type { Warehouse, WarehouseCapabilities, WarehouseDriverName } from '../core/connections';

export type { Warehouse, WarehouseCapabilities, WarehouseDriverName, ManifestCopy } from '../core/connections';

/** What a warehouse module offers besides the connection: how to open it, check it, and remove what the pipeline made in it. */
export interface WarehouseAdapter {
  readonly driver: WarehouseDriverName;
  readonly capabilities: WarehouseCapabilities;
  /** Opens the warehouse; with `create`, makes what the adapter may make (a PostgreSQL database, a PGlite folder). */
  open(cfg: WarehouseConfig, options?: { create?: boolean }): Promise<Warehouse>;
  /** For `npm run doctor`: what was found, in one sentence, or an OrderHeError with the fix. */
  check(cfg: WarehouseConfig): Promise<string>;
  /** Further doctor checks this warehouse needs (Redshift: can its IAM role read the lake?). */
  extraChecks(config: OrderHeConfig): { part: string; run: () => Promise<string> }[];
  /** The folder on this machine the warehouse writes (PGlite's files), checked before a run; absent for a server. */
  localFolder?(cfg: WarehouseConfig): string;
  /** For `npm run reset`: what `drop` removes, in the confirmation prompt's words. */
  describeStorage(cfg: WarehouseConfig): string;
  /** Removes what the pipeline made in this warehouse, nothing else; says what it did through `log`. */
  drop(cfg: WarehouseConfig, log: (line: string) => void): Promise<void>;
}

// The statements whose form depends on the warehouse, chosen from its capabilities (kysely's way: flags, not names).

/** Empties `table` inside the open transaction: TRUNCATE where that rolls back with it, DELETE where TRUNCATE would commit. */
export function emptyTableSql(capabilities: WarehouseCapabilities, table: string): string {
  return capabilities.transactionalTruncate ? `TRUNCATE ${table}` : `DELETE FROM ${table}`;
}

/** Refreshes the planner's statistics of `table` after a load, where that is ours to do (a no-op where the warehouse does it). */
export async function analyzeAfterLoad(tx: Warehouse, table: string): Promise<void> {
  if (tx.capabilities.analyzeAfterLoad) await tx.exec(`ANALYZE ${table}`);
}

/** The statement giving this transaction's sorts and hashes more memory, or null where the warehouse sizes memory itself. */
export function sortMemorySql(capabilities: WarehouseCapabilities): string | null {
  return capabilities.sortMemory ? `SET LOCAL work_mem = '${capabilities.sortMemory}'` : null;
}
