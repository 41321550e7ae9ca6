import type { PipelineContext } from '../context';
import type { StepResult } from '../steps';
import { OrderHeError } from '../errors';
/** Step 4b: merge staging into the star schema (core.*), in one transaction. */
export async function buildCore(_ctx: PipelineContext): Promise<StepResult> {
  throw new OrderHeError('core: not implemented yet');
}
/** Step 5: rebuild the mart tables from core. */
export async function buildMart(_ctx: PipelineContext): Promise<StepResult> {
  throw new OrderHeError('mart: not implemented yet');
}
