import type { PipelineContext } from '../context';
import type { StepResult } from '../steps';
import { OrderHeError } from '../errors';
/** Step 4a: COPY the lake runs not yet in core into staging.* and record them in staging.pending_runs. */
export async function loadLakeIntoStaging(_ctx: PipelineContext): Promise<StepResult> {
  throw new OrderHeError('warehouse load: not implemented yet');
}
