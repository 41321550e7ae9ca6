/**
 * The step runner: runs named steps in order, from --from to --until, timing each. It knows no step by
 * itself; lib/pipeline.ts hands it the six steps.
 */
import type { PipelineContext } from './context';
import { STEP_NAMES, type RunOptions, type Step, type StepName, type StepResult } from './steps';
import { OrderHeError, explainSystemError } from './errors';
import { foldersWritten } from './preflight';

export interface StepReport extends StepResult {
  step: StepName;
  seconds: number;
  rowsPerSec: number;
}

export function stepRange(from: string = STEP_NAMES[0], until: string = STEP_NAMES[STEP_NAMES.length - 1]): StepName[] {
  for (const [flag, name] of [['--from', from], ['--until', until]] as const) {
    if (!(STEP_NAMES as readonly string[]).includes(name)) {
      throw new OrderHeError(`${flag} ${name} is not a step.`, `Steps are, in order: ${STEP_NAMES.join(', ')}.`);
    }
  }
  const a = STEP_NAMES.indexOf(from as StepName);
  const b = STEP_NAMES.indexOf(until as StepName);
  if (a > b) throw new OrderHeError(`--from ${from} comes after --until ${until}.`, `Steps run in this order: ${STEP_NAMES.join(', ')}.`);
  return STEP_NAMES.slice(a, b + 1);
}

/**
 * Runs the steps in order and reports each as it ends. `startsWith` lets a step start together with an earlier one
 * instead of after it (lib/pipeline.ts: the warehouse load starts with the extract and copies each run as it lands);
 * reports still come in step order. When a step fails, the run waits for every started step to settle (so each
 * rolls back and lets go of its connections) and throws the first failure in step order.
 */
export async function runSteps(STEPS: Record<StepName, Step>, ctx: PipelineContext, options: RunOptions, steps: StepName[] = [...STEP_NAMES], onStep?: (r: StepReport) => void, onStart?: (step: StepName) => void, startsWith: Partial<Record<StepName, StepName>> = {}): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const running = new Map<StepName, Promise<StepReport>>();
  const launch = (step: StepName) => {
    onStart?.(step);
    const started = process.hrtime.bigint();
    const report = (async () => {
      let result: StepResult;
      try {
        result = await STEPS[step](ctx, options);
      } catch (err) {
        // A disk filling up or a server dropping the connection mid-step reads as what it is, with the step to rerun.
        throw explainSystemError(err, { step, dataDir: ctx.config.pipeline.dataDir, folders: foldersWritten(ctx.config, [step]).map((f) => f.dir) }) ?? err;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return { step, ...result, seconds, rowsPerSec: seconds > 0 ? Math.round(result.rows / seconds) : 0 };
    })();
    report.catch(() => {}); // awaited below, in step order
    running.set(step, report);
  };
  try {
    for (const step of steps) {
      if (!running.has(step)) launch(step);
      for (const other of steps) if (startsWith[other] === step && !running.has(other)) launch(other);
      const report = await running.get(step)!;
      reports.push(report);
      onStep?.(report);
    }
  } catch (err) {
    await Promise.allSettled(running.values());
    throw err;
  }
  return reports;
}
