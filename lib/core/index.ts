/** The core every step shares: config, errors, the pipeline context, progress, rows and the step runner. */
export * from './config';
export * from './errors';
export * from './identifiers';
export * from './context';
export * from './progress';
export * from './rows';
export * from './steps';
export * from './tables';
export * from './connections';
export * from './runner';
export * from './run-lock';
export * from './preflight';
