/** Step 1, generate: the simulated shop (calendar, catalogue, seeded random, simulator) written as LOAD DATA files. */
export * from './generate-shop';
export * from './files';
export * from './calendar';
export * from './catalog';
export * from './simulator';
