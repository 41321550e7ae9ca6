/**
 * A pipeline context: the config plus the three connections, opened on first use and closed together.
 * The CLI opens one per run; a notebook opens one in its first cells and closes it in its last, so
 * nothing keeps the kernel's process busy afterwards.
 */
import { loadConfig, type LoadConfigOptions, type OrderHeConfig } from './config';
import type { Lake, SourceDb, Warehouse } from './connections';
import type { Progress } from './progress';

export type { Progress } from './progress';


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

/** How each connection is opened: the step folders' own openers (lib/pipeline.ts passes them). */
export interface ConnectionOpeners {
  source(cfg: OrderHeConfig['source'], options: { create: boolean }): Promise<SourceDb>;
  lake(cfg: OrderHeConfig['lake'], options: { create: boolean }): Promise<Lake>;
  warehouse(cfg: OrderHeConfig['warehouse'], options: { create: boolean }): Promise<Warehouse>;
}

/** The context over the given openers; `openPipeline` in lib/pipeline.ts is this with the real ones. */
export function createPipelineContext(openers: ConnectionOpeners, options: OpenPipelineOptions = {}): PipelineContext {
  const config = options.config ?? loadConfig(options);
  const create = options.create ?? true;
  const opened: { close(): Promise<void> }[] = [];
  const once = <T extends { close(): Promise<void> }>(open: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= open().then((r) => (opened.push(r), r), (err) => { p = undefined; throw err; }));
  };
  return {
    config,
    source: once(() => openers.source(config.source, { create })),
    lake: once(() => openers.lake(config.lake, { create })),
    warehouse: once(() => openers.warehouse(config.warehouse, { create })),
    // Silent unless the caller passes its own: the CLI draws a terminal line, notebooks (notebook/session.ts) an updating output.
    progress: options.progress ?? (() => {}),
    async close() {
      const all = opened.splice(0).reverse();
      const results = await Promise.allSettled(all.map((c) => c.close()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },
  };
}
