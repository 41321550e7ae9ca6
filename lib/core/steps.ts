/**
 * The pipeline's steps, in the one order data flows. Each is a plain function that a notebook cell
 * calls and that `npm run pipeline` calls in the same order.
 */
import type { PipelineContext } from './context';
import type { SourceTable } from './tables';

export const STEP_NAMES = ['generate', 'source', 'lake', 'warehouse', 'mart', 'dashboard'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface RunOptions {
  orders: number;
  seed: number;
  locale: 'en' | 'ko';
  /** Simulate more days of business on the existing source instead of regenerating it. */
  append?: { days: number };
  /** Add the cleaning lesson's dirty rows to the generated data. */
  dirty?: boolean;
  /** Extract these tables in full (every row) instead of from their watermark: the recovery for a damaged lake run. */
  fullExtract?: readonly SourceTable[];
}

export interface StepResult {
  /** Rows the step produced or moved (what rows/s is computed from). */
  rows: number;
  /** Anything else worth printing or asserting: per-table counts, run ids, file paths. */
  detail?: Record<string, unknown>;
}

export type Step = (ctx: PipelineContext, options: RunOptions) => Promise<StepResult>;
