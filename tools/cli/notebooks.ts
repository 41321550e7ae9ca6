/**
 * npm run notebooks [-- NAME...]: builds lib (what the notebooks import), then executes every notebook in
 * name order with the real tslab kernel and writes the executed copies, each with an HTML copy beside it, to
 * <dataDir>/out/notebooks/. Exit 1 on the first failing cell, printing that cell and its message.
 *
 * The notebooks run in their own workspace (databases and bucket suffixed _nb / -nb, data folder
 * <dataDir>/notebooks-workspace), because notebook 00 makes a new shop: the learner's own shop stays as it is.
 * --use-my-shop runs them on the learner's, and asks first when that holds a shop.
 */
import path from 'node:path';
import readline from 'node:readline/promises';
import { spawnSync } from 'node:child_process';
import { parseCli, main, positiveInt } from './common';
import { loadConfig, type OrderHeConfig } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';
import { quoteMysqlIdent } from '../../lib/core/identifiers';
import type { NotebookRun } from '../notebooks/runner';
import { assertSeparate, sideWorkspace } from '../workspace';

const USAGE = `
npm run notebooks [-- NAME...] [--use-my-shop [--yes]] [--no-build] [--timeout SECONDS] [--profile P]

Executes notebooks/*.ipynb in name order (or only NAME..., e.g. 07 08_explore_mart) with the tslab kernel,
writes the executed copies and an HTML copy of each to <dataDir>/out/notebooks/, and fails on the first
cell that fails.

By default they run in their own workspace, so your shop is never replaced: MySQL database <yours>_nb,
warehouse <yours>_nb, bucket <yours>-nb and data folder <dataDir>/notebooks-workspace/.
  --use-my-shop   run them on your own databases, bucket and data folder instead (notebook 00 replaces the
                  shop there with the workshop's 2,000 orders); asks first when a shop is there
  --yes           with --use-my-shop: replace it without asking (needed when there is no terminal)
`;

void main(async () => {
  const { values, positionals } = parseCli({
    'no-build': { type: 'boolean', default: false }, timeout: { type: 'string' },
    'use-my-shop': { type: 'boolean', default: false }, yes: { type: 'boolean', default: false },
  }, USAGE, undefined, Infinity);
  const learner = loadConfig({ profile: values.profile, configFile: values.config });
  if (values.config) throw new OrderHeError('The notebooks read their profile from ORDERHE_PROFILE, not a config file.', 'Use --profile P (or export ORDERHE_PROFILE=P).');
  const root = learner.projectRoot;
  let env: NodeJS.ProcessEnv = { ...process.env, ORDERHE_PROFILE: learner.profile };
  let config = learner;
  if (values['use-my-shop']) {
    await confirmReplacingShop(learner, values.yes);
  } else {
    if (values.yes) throw new OrderHeError('--yes only makes sense with --use-my-shop.', 'Without it the notebooks use their own workspace and replace nothing.');
    const ws = sideWorkspace(learner, 'nb');
    assertSeparate(learner, ws.config, 'Run them on that shop with --use-my-shop, or set MYSQL_DATABASE / PGDATABASE / LAKE_BUCKET in the config.');
    ({ env, config } = ws);
  }
  if (!values['no-build']) {
    // Notebooks import the compiled package (lib/dist); a stale build would run yesterday's code.
    const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'lib')], { encoding: 'utf8' });
    if (build.status !== 0) throw new OrderHeError(`Building lib failed, so the notebooks would import stale code:\n${build.stdout.trim()}`, 'npm run typecheck, fix the errors, then npm run notebooks');
  }
  // The copies go to the learner's data folder either way: that is where people look for them.
  const outDir = path.join(learner.pipeline.dataDir, 'out', 'notebooks');
  process.stdout.write(config === learner
    ? `Running on your own shop: MySQL ${config.source.database}, warehouse ${config.warehouse.database}, data folder ${config.pipeline.dataDir}\n`
    : `Running in the notebooks' own workspace (your shop stays as it is): MySQL ${config.source.database}, warehouse ${config.warehouse.database}, bucket ${config.lake.bucket}, data folder ${config.pipeline.dataDir}\n`);
  const { runNotebooks } = await import('../notebooks/runner.js');
  const runs = await runNotebooks({
    projectRoot: root,
    outDir,
    names: positionals,
    env,
    cellTimeout: positiveInt('--timeout', values.timeout, 900, 86400),
    onNotebook: (r) => {
      process.stdout.write(`${r.ok ? '✓' : '✗'} ${r.notebook.padEnd(28)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.charts} chart${r.charts === 1 ? '' : 's'}\n`);
      if (r.htmlError) process.stderr.write(`  (no HTML copy of ${r.notebook}: ${r.htmlError})\n`);
    },
  });
  const failed = runs.find((r) => !r.ok);
  if (failed) throw failureError(failed);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  process.stdout.write(`${runs.length} notebook${runs.length === 1 ? '' : 's'} executed in ${seconds.toFixed(0)} s, ${runs.reduce((n, r) => n + r.charts, 0)} charts; copies (.ipynb and .html) in ${outDir}\n`);
});

/** With --use-my-shop: the orders in the learner's MySQL database, and a yes before notebook 00 replaces them. */
async function confirmReplacingShop(config: OrderHeConfig, yes: boolean): Promise<void> {
  const db = config.source.database;
  // The MySQL driver loads only here, for --use-my-shop.
  const { withSourceServer } = await import('../../lib/source/connection.js');
  const orders = await withSourceServer(config.source, async (conn) => {
    const [tables] = await conn.query('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [db, 'orders']);
    if ((tables as unknown[]).length === 0) return 0;
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${quoteMysqlIdent(db, 'source.database')}.orders`);
    return Number((rows as { n: number }[])[0].n);
  });
  if (orders === 0 || yes) return;
  const what = `MySQL database ${db} holds your shop of ${orders.toLocaleString('en-US')} orders; with --use-my-shop the notebooks replace it with the workshop's 2,000.`;
  if (!process.stdin.isTTY) throw new OrderHeError(what, 'Run without --use-my-shop (the notebooks then use their own workspace), or add --yes to replace it.');
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${what}\nType "yes" to go on: `);
  rl.close();
  if (answer.trim() !== 'yes') throw new OrderHeError('Nothing was run; your shop is as it was.', 'Run without --use-my-shop to use the notebooks\' own workspace.');
}

function failureError(r: NotebookRun): OrderHeError {
  const f = r.failure!;
  const source = f.source ? `\n  cell ${f.cell}:\n${f.source.split('\n').map((l) => `    | ${l}`).join('\n')}` : '';
  const message = f.message ? `\n  error:\n${f.message.split('\n').slice(0, 20).map((l) => `    ${l}`).join('\n')}` : '';
  return new OrderHeError(`${r.notebook} failed at cell ${f.cell}.${source}${message}`, `Open ${r.notebook} (executed copy: ${r.output}), fix that cell, then npm run notebooks -- ${r.notebook.replace(/\.ipynb$/, '')}`);
}
