/**
 * @orderhe/lib: what the notebooks import. Each step of the pipeline is one function here,
 * in the order data flows: generate -> source -> lake -> warehouse -> mart -> charts.
 */
export * from './errors';
export * from './config';
export * from './context';
export * from './steps';
export * from './pipeline';
export { openSource, type SourceDb } from './source';
export { openLake, startEmbeddedLakeServer, type Lake } from './lake';
export { openWarehouse, type Warehouse } from './warehouse';
export { generateShop } from './generate';
export { loadShopIntoSource } from './source-load';
export { extractSourceIntoLake } from './lake-extract';
export { loadLakeIntoStaging } from './warehouse/load';
export { buildCore, buildMart } from './warehouse/models';
export { writeDashboard } from './dashboard';
