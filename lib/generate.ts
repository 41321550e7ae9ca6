import type { PipelineContext } from './context';
import type { RunOptions, StepResult } from './steps';
import { OrderHeError } from './errors';
/** Step 1: generate the synthetic shop into <dataDir>/generated/. */
export async function generateShop(_ctx: PipelineContext, _options: RunOptions): Promise<StepResult> {
  throw new OrderHeError('generate: not implemented yet');
}
