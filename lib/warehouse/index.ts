/** Step 4, warehouse: one adapter per warehouse (postgres, pglite, redshift), the staging load and the core merge. */
export * from './adapter';
export * from './open';
export * from './copy-sql';
export { POSTGRES_CAPABILITIES } from './postgres';
export { PGLITE_CAPABILITIES } from './pglite';
export * from './redshift';
export * from './sql-files';
export * from './core-tables';
export * from './staging-load';
export * from './core-merge';
