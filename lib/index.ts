/**
 * @orderhe/lib: what the notebooks import. One folder per step, in the order data flows:
 *   generate → source → lake → warehouse → mart → charts
 * with core/ (config, errors, context) under them, quality/ (data tests) beside the warehouse, and notebook/
 * (display, progress, checkpoints) on top. lib/pipeline.ts runs the steps in order; lib/doctor.ts checks every
 * connection. A module imports only from the steps before it and from core/.
 */
export * from './core';
export * from './generate';
export * from './source';
export * from './lake';
export * from './quality';
export * from './warehouse';
export * from './mart';
export * from './charts';
export * from './notebook';
export * from './pipeline';
export * from './doctor';

import { openPipeline as openPipelineQuietly } from './pipeline';
import type { OpenPipelineOptions, PipelineContext } from './core/context';
import { notebookProgress } from './notebook/progress';

/** A notebook's context: long steps draw an updating progress line in the running cell (the CLI draws its own). */
export function openPipeline(options: OpenPipelineOptions = {}): PipelineContext {
  return openPipelineQuietly({ ...options, progress: options.progress ?? notebookProgress() });
}
