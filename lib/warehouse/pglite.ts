/** PGlite: PostgreSQL compiled to WebAssembly, files under <dataDir>/warehouse (the embedded profile). */
import type { WarehouseConfig } from '../config';
import { OrderHeError } from '../errors';
import type { Warehouse } from './types';

export async function openPglite(_cfg: WarehouseConfig, _options: { create?: boolean } = {}): Promise<Warehouse> {
  throw new OrderHeError('The embedded (PGlite) warehouse is not built yet.', 'Use the local profile for now.');
}
