/**
 * Measurements of the first two steps, for `npm run bench`: generator rows/s and peak memory, and the MySQL
 * load through mysql2 beside the `mariadb` (or `mysql`) command-line client's LOAD DATA LOCAL INFILE on the very
 * same files, and beside the original project's row-by-row INSERT on a sample. Numbers only: nothing asserts
 * on time (the machine decides those).
 */
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PipelineContext } from '../../lib/core/context';
import type { RunOptions } from '../../lib/core/steps';
import { OrderHeError } from '../../lib/core/errors';
import { metered, type StageCost } from './meter';
import { quoteMysqlIdent } from '../../lib/core/identifiers';
import { generateShop } from '../../lib/pipeline';
import { SHOP_TABLE_NAMES, generatedFile } from '../../lib/generate/files';
import { loadShopIntoSource, loadDataStatement, insertRowByRow, bulkLoadSettings, sourceServerVersion } from '../../lib/source/load';

const run = promisify(execFile);

export interface Throughput {
  rows: number;
  seconds: number;
  rowsPerSec: number;
}

export interface SourceBench {
  generate: Throughput & { cost: StageCost };
  /** The pipeline's source step (mysql2, LOAD DATA LOCAL INFILE from our streams). */
  load: Throughput & { cost: StageCost; repeats?: number };
  /** The same statements through the command-line client, or why it could not run. */
  cli: (Throughput & { client: string }) | { skipped: string };
  /** load rows/s divided by the CLI's: 1.0 means as fast as the native tool (target >= 0.8). */
  ratioToCli?: number;
  /** One INSERT per row, on the first `rowByRowSample` orders, into a scratch copy of the table. */
  rowByRow: Throughput;
}

const through = (rows: number, seconds: number): Throughput => ({ rows, seconds: Number(seconds.toFixed(3)), rowsPerSec: Math.round(rows / seconds) });
const since = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** The first of `mariadb` / `mysql` found on PATH, or undefined. */
async function findCliClient(): Promise<string | undefined> {
  for (const client of ['mariadb', 'mysql']) {
    try {
      await run(client, ['--version']);
      return client;
    } catch {
      // not installed: try the next name
    }
  }
  return undefined;
}

/**
 * Generates and loads `options` into the context's source (replacing it), then times the CLI on the same files
 * and row-by-row INSERT on a sample. Run it in a fresh process: peak RSS is the process's high-water mark.
 */
export async function benchSourceSteps(ctx: PipelineContext, options: RunOptions, settings: { rowByRowSample?: number } = {}): Promise<SourceBench> {
  let started = process.hrtime.bigint();
  const gen = await metered(() => generateShop(ctx, { ...options, append: undefined }));
  const generated = gen.value;
  const generate = { ...through(generated.rows, since(started)), cost: gen.cost };

  started = process.hrtime.bigint();
  const loading = await metered(() => loadShopIntoSource(ctx, { ...options, append: undefined }));
  const loaded = loading.value;
  const load = { ...through(loaded.rows, since(started)), cost: loading.cost };

  const cli = await loadWithCli(ctx, loaded.rows);
  const { pool } = await ctx.source();
  const sample = settings.rowByRowSample ?? 2000;
  await pool.query('DROP TABLE IF EXISTS bench_orders_by_insert');
  await pool.query('CREATE TABLE bench_orders_by_insert LIKE orders');
  let rowByRow: Throughput;
  try {
    const timing = await insertRowByRow(ctx, 'orders', { into: 'bench_orders_by_insert', limit: sample });
    rowByRow = through(timing.rows, timing.seconds);
  } finally {
    await pool.query('DROP TABLE IF EXISTS bench_orders_by_insert');
  }
  // The CLI emptied and reloaded the tables without a lineage change: load once more so the source is the pipeline's.
  // That second load is timed too, and ours is the mean of the two: ours, CLI, ours cancels the machine's drift
  // during the three loads (a shared machine's load times wander by a fifth from one minute to the next).
  if (!('skipped' in cli)) {
    started = process.hrtime.bigint();
    const again = await loadShopIntoSource(ctx, { ...options, append: undefined });
    Object.assign(load, through(again.rows, (load.seconds + since(started)) / 2), { repeats: 2 });
  }
  return { generate, load, cli, ...('skipped' in cli ? {} : { ratioToCli: Number((load.rowsPerSec / cli.rowsPerSec).toFixed(2)) }), rowByRow };
}

/** Empties the six tables and loads the generated files with the CLI client, all in one client session. */
async function loadWithCli(ctx: PipelineContext, rows: number): Promise<(Throughput & { client: string }) | { skipped: string }> {
  const client = await findCliClient();
  if (!client) return { skipped: 'neither mariadb nor mysql is on PATH' };
  const cfg = ctx.config.source;
  const dataDir = ctx.config.pipeline.dataDir;
  const files = SHOP_TABLE_NAMES.map((t) => generatedFile(dataDir, t));
  if (files.some((f) => !fs.existsSync(f))) throw new OrderHeError('The generated files are missing.', 'Run the generate step first.');
  // The very statements the pipeline sends, session settings included: the ratio measures the client path.
  const settings = bulkLoadSettings(await sourceServerVersion((await ctx.source()).pool));
  const script = [
    ...settings.map((s) => `${s};`),
    ...[...SHOP_TABLE_NAMES].reverse().map((t) => `TRUNCATE TABLE ${quoteMysqlIdent(t, 'table')};`),
    ...SHOP_TABLE_NAMES.map((t, i) => `${loadDataStatement(t, { file: files[i] })};`),
  ].join('\n');
  const started = process.hrtime.bigint();
  try {
    // The password goes through the environment (MYSQL_PWD), never on a command line others can read.
    await run(client, ['--local-infile=1', '-h', cfg.host, '-P', String(cfg.port), '-u', cfg.user, cfg.database, '-e', script], {
      env: { ...process.env, MYSQL_PWD: cfg.password },
      maxBuffer: 1 << 20,
    });
  } catch (err) {
    return { skipped: `${client} failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}` };
  }
  return { client, ...through(rows, since(started)) };
}
