import type { PipelineContext } from './context';
import type { RunOptions, StepResult } from './steps';
import { OrderHeError } from './errors';
/** Step 3: extract the source tables (full or incremental) into the S3 lake as gzipped CSV parts + manifests. */
export async function extractSourceIntoLake(_ctx: PipelineContext, _options: RunOptions): Promise<StepResult> {
  throw new OrderHeError('lake: not implemented yet');
}
