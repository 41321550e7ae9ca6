/**
 * A pipeline context: the config plus the three connections, opened on first use and closed together.
 * The CLI opens one per run; a notebook opens one in its first cells and closes it in its last, so
 * nothing keeps the kernel's process busy afterwards.
 */
import { loadConfig, type LoadConfigOptions, type OrderHeConfig } from './config';
import { openSource, type SourceDb } from './source';
import { openLake, type Lake } from './lake';
import { openWarehouse, type Warehouse } from './warehouse';
import { notebookProgress } from './progress';

/** Progress of a long step: called often; the CLI draws a line, a notebook prints every few seconds. */
export type Progress = (step: string, done: number, total?: number, unit?: string) => void;

export interface PipelineContext {
  readonly config: OrderHeConfig;
  source(): Promise<SourceDb>;
  lake(): Promise<Lake>;
  warehouse(): Promise<Warehouse>;
  progress: Progress;
  close(): Promise<void>;
}

export interface OpenPipelineOptions extends LoadConfigOptions {
  /** Create the databases and bucket when missing (the pipeline does; read-only helpers do not). Default true. */
  create?: boolean;
  progress?: Progress;
  /** An already loaded config (tests); otherwise loaded from the profile. */
  config?: OrderHeConfig;
}

export function openPipeline(options: OpenPipelineOptions = {}): PipelineContext {
  const config = options.config ?? loadConfig(options);
  const create = options.create ?? true;
  const opened: { close(): Promise<void> }[] = [];
  const once = <T extends { close(): Promise<void> }>(open: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= open().then((r) => (opened.push(r), r), (err) => { p = undefined; throw err; }));
  };
  return {
    config,
    source: once(() => openSource(config.source, { create })),
    lake: once(() => openLake(config.lake, { create })),
    warehouse: once(() => openWarehouse(config.warehouse, { create })),
    // In a notebook, long steps draw an updating line; elsewhere silence unless the caller (the CLI) passes its own.
    progress: options.progress ?? notebookProgress(),
    async close() {
      const all = opened.splice(0).reverse();
      const results = await Promise.allSettled(all.map((c) => c.close()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },
  };
}
