/**
 * @orderhe/lib: what the notebooks import. Each step of the pipeline is one function here,
 * in the order data flows: generate -> source -> lake -> warehouse -> mart -> charts.
 */
export * from './errors';
export * from './config';
export * from './context';
export * from './steps';
export * from './pipeline';
export * from './source';
export * from './lake';
export * from './warehouse/index';
export * from './generate';
export * from './source-load';
export * from './lake-extract';
export * from './warehouse/load';
export * from './warehouse/models';
export * from './dashboard';
export * from './lake-format';
export * from './run-lock';
export * from './charts';
export * from './quality';
export * from './warehouse/sql-files';
export * from './warehouse/core-tables';
export * from './mart';
export * from './explore';
export * from './warehouse/redshift';
export * from './warehouse/copy-sql';
export * from './checkpoints';
export * from './progress';
export * from './notebook-doctor';
