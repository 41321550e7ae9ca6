/** Step 2, source: the MySQL OLTP database: connection, DDL, bulk LOAD DATA, lineage and the state an append reads. */
export * from './connection';
export * from './load';
export * from './current-shop';
