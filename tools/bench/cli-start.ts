/**
 * How long a command takes before its first step, measured as a learner starts it: `npm run pipeline -- --help`
 * beside `npm run env` (npm's own start plus one tiny script: the floor no npm command can go under). Issue 16's
 * target is the ratio, at most 3×; ratios hold on a busy machine where seconds do not.
 */
import { spawnSync } from 'node:child_process';
import { findProjectRoot } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';

export interface CliStart {
  /** Median wall time of `npm run pipeline -- --help`. */
  pipelineHelpSeconds: number;
  /** Median wall time of `npm run env`. */
  npmEnvSeconds: number;
  /** pipelineHelpSeconds / npmEnvSeconds. */
  ratio: number;
  /** False when the launcher found sources newer than dist/ and ran them through tsx (run npm run build first). */
  fromBuild: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** Runs each command once unmeasured (file cache), then `runs` times alternating, and keeps the medians. */
export async function measureCliStart(runs = 5, root = findProjectRoot()): Promise<CliStart> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  let fromBuild = true;
  const time = (args: string[]): number => {
    const t = process.hrtime.bigint();
    const r = spawnSync(npm, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 0) throw new OrderHeError(`npm ${args.join(' ')} exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`, 'Run it yourself to see why.');
    if (/npm run build makes starts fast again/.test(r.stderr)) fromBuild = false;
    return seconds;
  };
  const help = ['run', 'pipeline', '--', '--help'];
  const env = ['run', 'env'];
  time(help);
  time(env);
  const helpTimes: number[] = [];
  const envTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    envTimes.push(time(env));
    helpTimes.push(time(help));
  }
  const pipelineHelpSeconds = median(helpTimes);
  const npmEnvSeconds = median(envTimes);
  return { pipelineHelpSeconds: round(pipelineHelpSeconds), npmEnvSeconds: round(npmEnvSeconds), ratio: round(pipelineHelpSeconds / npmEnvSeconds, 2), fromBuild };
}

/** The one line the bench's table and its Markdown section print. */
export function cliStartLine(c: CliStart): string {
  const source = c.fromBuild ? '' : ' (from the sources: the build was stale, run npm run build first)';
  return `CLI start: npm run pipeline -- --help ${c.pipelineHelpSeconds.toFixed(2)} s, npm run env ${c.npmEnvSeconds.toFixed(2)} s: ${c.ratio.toFixed(2)}× (target ≤ 3×, median of 5)${source}`;
}
