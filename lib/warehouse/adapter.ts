/**
 * One interface for every warehouse (dlt's "destination" idea): PostgreSQL locally, PGlite embedded,
 * Redshift on AWS. Loading and models call only this, so switching warehouses is configuration.
 */
export type { Warehouse, WarehouseDriverName } from '../core/connections';
