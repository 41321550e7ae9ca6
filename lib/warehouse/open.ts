/** Picks the warehouse driver the profile names; everything downstream sees only the Warehouse interface. */
import type { WarehouseConfig } from '../core/config';
import type { Warehouse } from './adapter';
import { openPostgres } from './postgres';
import { openPglite } from './pglite';

export type { Warehouse } from './adapter';

export async function openWarehouse(cfg: WarehouseConfig, options: { create?: boolean } = {}): Promise<Warehouse> {
  switch (cfg.driver) {
    case 'postgres':
    case 'redshift':
      return openPostgres(cfg, options);
    case 'pglite':
      return openPglite(cfg, options);
  }
}
