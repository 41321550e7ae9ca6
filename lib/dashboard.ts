import type { PipelineContext } from './context';
import type { StepResult } from './steps';
import { OrderHeError } from './errors';
/** Step 6: write data/out/dashboard.html and the mart CSV exports. */
export async function writeDashboard(_ctx: PipelineContext): Promise<StepResult> {
  throw new OrderHeError('dashboard: not implemented yet');
}
