import type { PipelineContext } from './context';
import type { RunOptions, StepResult } from './steps';
import { OrderHeError } from './errors';
/** Step 2: bulk-load the generated shop into the MySQL source. */
export async function loadShopIntoSource(_ctx: PipelineContext, _options: RunOptions): Promise<StepResult> {
  throw new OrderHeError('source: not implemented yet');
}
