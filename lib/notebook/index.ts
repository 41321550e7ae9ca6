/** What only notebooks use, and the only code that knows the kernel: display, progress lines, charts and tables in cells, checkpoints, exploration. */
export * from './display';
export * from './progress';
export * from './charts';
export * from './checkpoints';
export * from './explore';
export * from './prerequisites';
export * from './exercises';
export * from './dashboard-screenshot';
