/**
 * npm run notebooks [-- NAME...]: builds lib (what the notebooks import), then executes every notebook in
 * name order with the real tslab kernel and writes the executed copies to <dataDir>/out/notebooks/.
 * Exit 1 on the first failing cell, printing that cell and its message.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseCli, main, positiveInt } from './common';
import { loadConfig } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';
import { runNotebooks, type NotebookRun } from '../notebooks/runner';

const USAGE = `
npm run notebooks [-- NAME...] [--no-build] [--timeout SECONDS] [--profile P]

Executes notebooks/*.ipynb in name order (or only NAME..., e.g. 07 08_explore_mart) with the tslab kernel,
writes the executed copies to <dataDir>/out/notebooks/, and fails on the first cell that fails.
The environment passes through (MYSQL_DATABASE, PGDATABASE, LAKE_BUCKET, ORDERHE_DATA_DIR, ORDERHE_PROFILE).
`;

void main(async () => {
  const { values, positionals } = parseCli({ 'no-build': { type: 'boolean', default: false }, timeout: { type: 'string' } }, USAGE, undefined, Infinity);
  const config = loadConfig({ profile: values.profile, configFile: values.config });
  const root = config.projectRoot;
  if (!values['no-build']) {
    // Notebooks import the compiled package (lib/dist); a stale build would run yesterday's code.
    const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'lib')], { encoding: 'utf8' });
    if (build.status !== 0) throw new OrderHeError(`Building lib failed, so the notebooks would import stale code:\n${build.stdout.trim()}`, 'npm run typecheck, fix the errors, then npm run notebooks');
  }
  const outDir = path.join(config.pipeline.dataDir, 'out', 'notebooks');
  const runs = await runNotebooks({
    projectRoot: root,
    outDir,
    names: positionals,
    cellTimeout: positiveInt('--timeout', values.timeout, 900, 86400),
    onNotebook: (r) => process.stdout.write(`${r.ok ? '✓' : '✗'} ${r.notebook.padEnd(28)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.charts} chart${r.charts === 1 ? '' : 's'}\n`),
  });
  const failed = runs.find((r) => !r.ok);
  if (failed) throw failureError(failed);
  process.stdout.write(`${runs.length} notebook${runs.length === 1 ? '' : 's'} executed, ${runs.reduce((n, r) => n + r.charts, 0)} charts; copies in ${outDir}\n`);
});

function failureError(r: NotebookRun): OrderHeError {
  const f = r.failure!;
  const source = f.source ? `\n  cell ${f.cell}:\n${f.source.split('\n').map((l) => `    | ${l}`).join('\n')}` : '';
  const message = f.message ? `\n  error:\n${f.message.split('\n').slice(0, 20).map((l) => `    ${l}`).join('\n')}` : '';
  return new OrderHeError(`${r.notebook} failed at cell ${f.cell}.${source}${message}`, `Open ${r.notebook} (executed copy: ${r.output}), fix that cell, then npm run notebooks -- ${r.notebook.replace(/\.ipynb$/, '')}`);
}
