/** npm run pipeline -- [--profile P] [--orders N] [--seed S] [--from STEP] [--until STEP] [--append --days N] [--dirty] [--full-extract T,...] [--json] */
import { main, parseCli, cliProgress, clearProgress, positiveInt, failureContext } from './common';
// Only what parsing the flags and --help need is imported here; lib/pipeline (the steps, their drivers and
// packages) loads after the flags are checked, so --help and a mistyped flag answer at once.
import { stepRange } from '../../lib/core/runner';
import { STEP_NAMES, type RunOptions, type StepName } from '../../lib/core/steps';
import { OrderHeError, redact } from '../../lib/core/errors';
import type { StepReport } from '../../lib/core/runner';
import fs from 'node:fs';
import path from 'node:path';
import { SOURCE_TABLES, type SourceTable } from '../../lib/core/tables';
import { generatedDir, readGeneratedManifest } from '../../lib/generate/files';

/** The options the generated files were made with, or undefined when there are none (the source step then says so). */
function generatedShopOptions(dataDir: string): Pick<RunOptions, 'orders' | 'seed' | 'locale' | 'dirty'> | undefined {
  if (!fs.existsSync(path.join(generatedDir(dataDir), 'manifest.json'))) return undefined;
  const m = readGeneratedManifest(dataDir, 'full');
  return { orders: m.orders, seed: m.seed, locale: m.locale, dirty: m.dirty };
}

/** --full-extract orders,payments (or all): the tables, each checked against the registry. */
function fullExtractTables(value: string | undefined): SourceTable[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'all') return [...SOURCE_TABLES];
  const tables = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = tables.filter((t) => !(SOURCE_TABLES as readonly string[]).includes(t));
  if (tables.length === 0 || unknown.length > 0) {
    throw new OrderHeError(`--full-extract ${value} names ${unknown.length ? `no source table "${unknown[0]}"` : 'no table'}.`, `Use one or more of ${SOURCE_TABLES.join(', ')} (comma-separated), or all.`);
  }
  return tables as SourceTable[];
}

const USAGE = `
Usage: npm run pipeline -- [options]

Runs ${STEP_NAMES.join(' -> ')} and prints rows and seconds per step.

  --profile P     local (default), embedded, compose or aws (or ORDERHE_PROFILE)
  --config FILE   a YAML file of your own instead of config/<profile>.yml
  --orders N      orders to generate (default from the profile: pipeline.orders)
  --seed S        random seed; the same seed gives the same shop (default pipeline.seed)
  --locale L      en or ko names and addresses
  --from STEP     first step to run    (${STEP_NAMES.join(', ')})
  --until STEP    last step to run
  --append        simulate more days of business on the existing source instead of regenerating
  --days N        with --append: how many days (default 1)
  --dirty         add the cleaning lesson's dirty rows (duplicates, bad emails, ...)
  --full-extract T  extract these tables (comma-separated, or "all") in full instead of from their watermark:
                  the recovery for a damaged or missing lake object, keeping the shop (--from lake --full-extract T)
  --json          print one JSON summary as the last line
  --verbose       show stack traces on failure
`;

main(async () => {
  const { values } = parseCli({
    orders: { type: 'string' }, seed: { type: 'string' }, locale: { type: 'string' },
    from: { type: 'string' }, until: { type: 'string' },
    append: { type: 'boolean', default: false }, days: { type: 'string' }, dirty: { type: 'boolean', default: false },
    'full-extract': { type: 'string' },
    json: { type: 'boolean', default: false },
  }, USAGE);
  const steps = stepRange(values.from, values.until);
  if (values.days !== undefined && !values.append) throw new OrderHeError('--days only makes sense with --append.', 'Add --append to simulate more days on the existing shop.');
  const generates = steps.includes('generate');
  for (const flag of ['orders', 'seed', 'locale', 'append', 'dirty'] as const) {
    if (!generates && values[flag] !== undefined && values[flag] !== false) {
      throw new OrderHeError(`--${flag} changes the generate step, which a run from ${steps[0]} does not include.`, `Drop --${flag}, or run from the start: npm run pipeline -- --${flag}${typeof values[flag] === 'string' ? ` ${values[flag]}` : ''}`);
    }
  }
  const { checkBeforeRun, holdRunLocks, openPipeline, runFolders, runPipeline } = await import('../../lib/pipeline.js');
  // Every flag, setting and name is checked here, before anything is touched (loadConfig checks the profile's values and names).
  const ctx = openPipeline({ profile: values.profile, configFile: values.config, progress: cliProgress });
  failureContext.dataDir = ctx.config.pipeline.dataDir;
  const cfg = ctx.config.pipeline;
  const options: RunOptions = {
    orders: positiveInt('--orders', values.orders, cfg.orders, 50_000_000),
    seed: positiveInt('--seed', values.seed, cfg.seed, 2 ** 32 - 1, 0),
    locale: (values.locale ?? cfg.locale) as 'en' | 'ko',
    append: values.append ? { days: positiveInt('--days', values.days, 1, 3650) } : undefined,
    dirty: values.dirty,
    fullExtract: fullExtractTables(values['full-extract']),
  };
  // A run that starts after generate loads the shop the files already hold: it takes that shop's options from
  // their manifest (the source step refuses files made for other options, and --orders etc. are refused above).
  if (!generates && steps.includes('source')) {
    const files = generatedShopOptions(ctx.config.pipeline.dataDir);
    if (files) Object.assign(options, files);
  }
  if (options.locale !== 'en' && options.locale !== 'ko') throw new OrderHeError(`--locale ${options.locale} is not supported.`, 'Use --locale en or --locale ko.');
  checkBeforeRun(ctx.config, steps);
  failureContext.folders = runFolders(ctx.config, steps);
  const log = (s: string) => { if (!values.json) process.stdout.write(s + '\n'); else process.stderr.write(s + '\n'); };
  const lock = await holdRunLocks(ctx.config, steps);
  // Printed once the run lock is held: from here on a second run on these databases is refused.
  log(`Order-He pipeline · profile ${ctx.config.profile} · ${whatRuns(steps, options)}`);
  const started = Date.now();
  try {
    const reports = await runPipeline(ctx, options, steps, (r) => {
      clearProgress();
      const count = finalCount(r);
      log(`  ✓ ${r.step.padEnd(10)} ${r.rows.toLocaleString('en-US').padStart(12)} rows ${r.seconds.toFixed(2).padStart(8)} s ${r.rowsPerSec.toLocaleString('en-US').padStart(12)} rows/s${count ? `  · ${count}` : ''}`);
    }, (step) => {
      // For failures that arrive outside the step's own promise (a driver's 'error' event): which step to rerun.
      failureContext.step = step;
    });
    const totalSeconds = (Date.now() - started) / 1000;
    log(`Done in ${totalSeconds.toFixed(1)} s.`);
    for (const line of whereOutputsAre(reports, ctx.config.pipeline.dataDir)) log(line);
    if (values.json) {
      const summary = { profile: ctx.config.profile, ran: steps, ...generated(reports, options), totalSeconds, steps: reports };
      process.stdout.write(redact(JSON.stringify(summary)) + '\n');
    }
  } finally {
    await ctx.close();
    await lock.release();
  }
});

/** The header's account of this run: the shop it generates, or that it works on what the source already holds. */
function whatRuns(steps: StepName[], options: RunOptions): string {
  const range = steps.length === STEP_NAMES.length ? '' : ` · steps ${steps[0]}${steps.length > 1 ? ` to ${steps[steps.length - 1]}` : ''}`;
  if (!steps.includes('generate')) return `the shop already in the source${range}`;
  if (options.append) return `append ${options.append.days} day(s) to the shop in the source${range}`;
  return `${options.orders.toLocaleString('en-US')} orders, seed ${options.seed}${options.dirty ? ', dirty' : ''}${range}`;
}

/** What the generate step really made, for the --json summary; nothing when the run did not generate. */
function generated(reports: StepReport[], options: RunOptions): Record<string, unknown> {
  const report = reports.find((r) => r.step === 'generate');
  if (!report) return {};
  const orders = Number((report.detail?.tables as Record<string, number> | undefined)?.orders ?? 0);
  if (options.append) return { append: options.append, newOrders: orders };
  return { orders, seed: options.seed, locale: options.locale, dirty: options.dirty ?? false };
}

const n = (v: number) => v.toLocaleString('en-US');

/**
 * The step's final count in its own unit, for the ✓ line: a progress line on a pipe is printed every few
 * seconds, so the last one seen may be an intermediate count ("generate: 229 orders" of 1,641).
 */
export function finalCount(r: StepReport): string {
  const d = (r.detail ?? {}) as Record<string, unknown>;
  switch (r.step) {
    case 'generate': {
      const orders = (d.tables as Record<string, number> | undefined)?.orders;
      return orders === undefined ? '' : `${n(orders)} ${d.kind === 'append' ? 'new ' : ''}orders`;
    }
    case 'source':
      return d.tables ? `${Object.keys(d.tables as object).length} tables loaded` : '';
    case 'lake': {
      const tables = Object.values(d).filter((v): v is { parts: number } => typeof v === 'object' && v !== null && 'parts' in v);
      return `${tables.length} tables in ${n(tables.reduce((s, t) => s + t.parts, 0))} parts`;
    }
    case 'warehouse': {
      const core = (d.core as { tables?: Record<string, number> } | undefined)?.tables;
      return core ? `${Object.keys(core).length} core tables merged` : '';
    }
    case 'mart':
      return d.tables ? `${Object.keys(d.tables as object).length} mart tables` : '';
    case 'dashboard':
      return d.csv ? `dashboard, catalog and ${Object.keys(d.csv as object).length} CSVs written` : '';
  }
}

/** The closing lines: where the dashboard, the catalog and the CSV exports are, as paths a person can open. */
export function whereOutputsAre(reports: StepReport[], dataDir: string): string[] {
  const d = reports.find((r) => r.step === 'dashboard')?.detail as { dashboard?: string; catalog?: string; csv?: Record<string, number> } | undefined;
  const out = path.resolve(dataDir, 'out');
  const dashboard = d?.dashboard ?? path.join(out, 'dashboard.html');
  if (!fs.existsSync(dashboard)) return [];
  const fresh = d ? '' : ' (from an earlier run: this one stopped before the dashboard step)';
  const lines = [`Dashboard: ${path.resolve(dashboard)}${fresh}`];
  const catalog = d?.catalog ?? path.join(out, 'catalog.html');
  if (fs.existsSync(catalog)) lines.push(`Catalog:   ${path.resolve(catalog)}`);
  const csvs = d?.csv ? Object.keys(d.csv).map((t) => `${t}.csv`) : fs.readdirSync(out).filter((f) => f.endsWith('.csv'));
  if (csvs.length) lines.push(`CSVs:      ${out}${path.sep} (${csvs.sort().join(', ')})`);
  return lines;
}
