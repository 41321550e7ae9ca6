/** npm run pipeline -- [--profile P] [--orders N] [--seed S] [--from STEP] [--until STEP] [--append --days N] [--dirty] [--full-extract T,...] [--json] */
import { main, parseCli, cliProgress, clearProgress, positiveInt } from './common';
import { openPipeline } from '../../lib/pipeline';
import { runPipeline, stepRange } from '../../lib/pipeline';
import { STEP_NAMES } from '../../lib/core/steps';
import { OrderHeError, redact } from '../../lib/core/errors';
import { acquireRunLock } from '../../lib/core/run-lock';
import { SOURCE_TABLES, type SourceTable } from '../../lib/core/tables';

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
  const ctx = openPipeline({ profile: values.profile, configFile: values.config, progress: cliProgress });
  const cfg = ctx.config.pipeline;
  const options = {
    orders: positiveInt('--orders', values.orders, cfg.orders, 50_000_000),
    seed: positiveInt('--seed', values.seed, cfg.seed, 2 ** 32 - 1, 0),
    locale: (values.locale ?? cfg.locale) as 'en' | 'ko',
    append: values.append ? { days: positiveInt('--days', values.days, 1, 3650) } : undefined,
    dirty: values.dirty,
    fullExtract: fullExtractTables(values['full-extract']),
  };
  if (options.locale !== 'en' && options.locale !== 'ko') throw new OrderHeError(`--locale ${options.locale} is not supported.`, 'Use --locale en or --locale ko.');
  const log = (s: string) => { if (!values.json) process.stdout.write(s + '\n'); else process.stderr.write(s + '\n'); };
  log(`Order-He pipeline · profile ${ctx.config.profile} · ${options.append ? `append ${options.append.days} day(s)` : `${options.orders.toLocaleString('en-US')} orders, seed ${options.seed}`}`);
  const lock = acquireRunLock(ctx.config);
  const started = Date.now();
  try {
    const reports = await runPipeline(ctx, options, steps, (r) => {
      clearProgress();
      log(`  ✓ ${r.step.padEnd(10)} ${r.rows.toLocaleString('en-US').padStart(12)} rows ${r.seconds.toFixed(2).padStart(8)} s ${r.rowsPerSec.toLocaleString('en-US').padStart(12)} rows/s`);
    });
    const totalSeconds = (Date.now() - started) / 1000;
    log(`Done in ${totalSeconds.toFixed(1)} s.`);
    if (values.json) {
      const summary = { profile: ctx.config.profile, ...options, totalSeconds, steps: reports };
      process.stdout.write(redact(JSON.stringify(summary)) + '\n');
    }
  } finally {
    await ctx.close();
    lock.release();
  }
});
