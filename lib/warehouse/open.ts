/**
 * Picks the warehouse adapter the profile names: the one place that reads `warehouse.driver`. Everything
 * downstream sees only the Warehouse interface and asks its capabilities.
 */
import type { WarehouseConfig } from '../core/config';
import type { Warehouse, WarehouseAdapter } from './adapter';
import { postgresAdapter } from './postgres';
import { pgliteAdapter } from './pglite';
import { redshiftAdapter } from './redshift';

export type { Warehouse } from './adapter';

const ADAPTERS: Record<WarehouseConfig['driver'], WarehouseAdapter> = {
  postgres: postgresAdapter,
  pglite: pgliteAdapter,
  redshift: redshiftAdapter,
};

/** The adapter for this profile's warehouse: how to open it, check it (doctor) and drop what the pipeline made (reset). */
export function warehouseAdapter(cfg: WarehouseConfig): WarehouseAdapter {
  return ADAPTERS[cfg.driver];
}

export async function openWarehouse(cfg: WarehouseConfig, options: { create?: boolean } = {}): Promise<Warehouse> {
  return warehouseAdapter(cfg).open(cfg, options);
}
