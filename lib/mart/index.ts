/** Step 5, mart: building the mart tables from sql/mart/, querying them and exporting them as CSV. */
export * from './build';
export * from './query';
export * from './export';
