/**
 * `npm run bench`: every stage on the same generated data, beside the native bulk tool on the same files, in the
 * same run. Ratios, not absolute times: the machine is shared and noisy, so a ratio of ours to the native tool
 * measured minutes apart says more than seconds do. Stages shorter than a few seconds are repeated and the
 * median is reported.
 *
 *   mysql_load      mysql2 LOAD DATA LOCAL INFILE from our streams  vs  mariadb CLI LOAD DATA LOCAL INFILE
 *   lake_extract    mysql2 stream → CSV → gzip → S3 multipart         vs  mariadb --batch -e 'SELECT …' | gzip > file
 *   warehouse_copy  S3 → sha256 → gunzip → COPY FROM STDIN            vs  psql \copy of the same parts, gunzipped
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { PipelineContext } from '../../lib/core/context';
import type { RunOptions } from '../../lib/core/steps';
import { benchSourceSteps } from './source-bench';
import { metered, sampleSaturation } from './meter';
import { extractSourceIntoLake } from '../../lib/lake/extract';
import { openPartStream } from '../../lib/lake/read';
import { EXTRACT_STATE_KEY, SOURCE_TABLES } from '../../lib/lake/format';
import { loadLakeIntoStaging, planWarehouseLoad } from '../../lib/warehouse/staging-load';
import { buildCore } from '../../lib/warehouse/core-merge';
import { buildMart } from '../../lib/mart/build';
import { checkIdent, quotePgIdent } from '../../lib/core/identifiers';
import { openPipeline, runPipeline, stepRange } from '../../lib/pipeline';
import { resetProject } from '../reset';
import { measureCliStart, cliStartLine, type CliStart } from './cli-start';

const run = promisify(execFile);

export interface BenchStage {
  name: 'generate' | 'mysql_load' | 'lake_extract' | 'warehouse_copy' | 'mart_build' | 'row_by_row_insert';
  rows: number;
  seconds: number;
  rowsPerSec: number;
  MBPerSec?: number;
  baselineRowsPerSec?: number;
  /** ours / baseline rows per second; 1.0 = as fast as the native tool. */
  ratio?: number;
  baseline?: string;
  repeats?: number;
  /** This process's peak RSS during the stage, its CPU seconds, and how busy the machine's cores were. */
  peakRssMB?: number;
  processCpuSeconds?: number;
  machineCpuPct?: number;
}

/** The real pipeline, start to end, on the same shop from empty databases: what a learner's `npm run pipeline` costs. */
export interface BenchPipeline {
  /** Each step's own seconds (overlapping steps overlap: they add up to more than the wall time). */
  steps: { step: string; seconds: number; rows: number }[];
  /** Wall time of generate → mart, stages overlapped where the design allows. */
  seconds: number;
  /** The native tools on the same data: mariadb LOAD DATA + mariadb | gzip + psql \copy, as measured above. */
  nativeSeconds: number;
  /** seconds / nativeSeconds (1.0 = the whole pipeline in the time the three native tools take). */
  ratio: number;
  /** The dashboard step after it (HTML, catalog, CSV exports), not in `seconds`. */
  dashboardSeconds: number;
  /** How busy the machine's cores were during generate → mart (every process: the database servers too), in percent. */
  machineCpuPct: number;
  /** Seconds of it in which the machine's cores were at least 90% busy (sampled every 250 ms): time no overlap can win back here. */
  saturatedSeconds: number;
}

export interface BenchReport {
  orders: number;
  stages: BenchStage[];
  /** Wall time of the real pipeline (generate → mart) on the same shop; see `pipeline`. */
  pipelineSeconds?: number;
  /** pipelineSeconds ÷ the native stage sum. */
  pipelineRatio?: number;
  pipeline?: BenchPipeline;
  /** The pipeline's own stages added up (generate, load, extract, COPY, core + mart): what `npm run pipeline` costs. */
  totalSeconds: number;
  /** The whole bench, baselines and repeats included. */
  benchSeconds: number;
  peakRssMB: number;
  /** `npm run pipeline -- --help` beside `npm run env` (issue 16: within 3×); absent in runs stored before it. */
  cliStart?: CliStart;
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Number(x.toFixed(d));
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Times `fn`; when a run is short, runs it again (up to `max` times) and keeps the median. */
async function timed(fn: () => Promise<void>, max = 3, shortSeconds = 3): Promise<{ seconds: number; repeats: number }> {
  const times: number[] = [];
  do {
    const t = process.hrtime.bigint();
    await fn();
    times.push(since(t));
  } while (times.length < max && times[times.length - 1] < shortSeconds);
  return { seconds: median(times), repeats: times.length };
}

function stage(name: BenchStage['name'], rows: number, seconds: number, extra: Partial<BenchStage> = {}): BenchStage {
  const s: BenchStage = { name, rows, seconds: round(seconds, 3), rowsPerSec: Math.round(rows / seconds), ...extra };
  if (s.baselineRowsPerSec) s.ratio = round(s.rowsPerSec / s.baselineRowsPerSec);
  return s;
}

async function sh(script: string, env: NodeJS.ProcessEnv) {
  await run('bash', ['-o', 'pipefail', '-c', script], { env: { ...process.env, ...env }, maxBuffer: 1 << 20 });
}

/** The native extract: the mariadb client's tab-separated batch output, gzipped, one file per table. */
async function nativeExtract(ctx: PipelineContext, dir: string): Promise<number> {
  const cfg = ctx.config.source;
  let bytes = 0;
  for (const table of SOURCE_TABLES) {
    const out = path.join(dir, `${table}.tsv.gz`);
    // The same gzip level as the lake's parts (lake.gzipLevel): like is compared with like.
    await sh(`mariadb --batch --quick -h "$H" -P "$P" -u "$U" "$D" -e "SELECT * FROM ${checkIdent(table, 'table')}" | gzip -${ctx.config.lake.gzipLevel} -c > "$OUT"`,
      { H: cfg.host, P: String(cfg.port), U: cfg.user, D: cfg.database, MYSQL_PWD: cfg.password, OUT: out });
    bytes += fs.statSync(out).size;
  }
  return bytes;
}

/** psql \copy of the very parts the pipeline loads, gunzipped beforehand (not timed), into a scratch schema. */
async function nativeCopy(ctx: PipelineContext, dir: string): Promise<() => Promise<void>> {
  const lake = await ctx.lake();
  const db = await ctx.warehouse();
  const plan = await planWarehouseLoad(lake, db);
  const w = ctx.config.warehouse;
  await db.exec('DROP SCHEMA IF EXISTS bench_native CASCADE; CREATE SCHEMA bench_native');
  const commands: string[] = [];
  let i = 0;
  for (const runToLoad of plan.runs) {
    // Like staging in every way (a logged table, as staging is: see createCoreTables): same table, same COPY.
    await db.exec(`CREATE TABLE IF NOT EXISTS bench_native.${quotePgIdent(runToLoad.table, 'table')} (LIKE staging.${quotePgIdent(runToLoad.table, 'table')})`);
    for (const part of runToLoad.parts) {
      const file = path.join(dir, `part-${i++}.csv`);
      await pipeline(await openPartStream(lake, part, { gunzip: true }), fs.createWriteStream(file));
      const cols = runToLoad.columns.map((c) => quotePgIdent(c, 'column')).join(', ');
      commands.push(`\\copy bench_native.${runToLoad.table} (${cols}) FROM '${file}' WITH (FORMAT csv, HEADER true, NULL '\\N')`);
    }
  }
  const script = path.join(dir, 'copy.sql');
  fs.writeFileSync(script, ['BEGIN;', ...SOURCE_TABLES.map((t) => `TRUNCATE bench_native.${t};`), ...commands, 'COMMIT;'].join('\n') + '\n');
  return () => sh(`psql -X -q -v ON_ERROR_STOP=1 -h "$H" -p "$P" -U "$U" -d "$D" -f "$F" > /dev/null`,
    { H: w.host, P: String(w.port), U: w.user, D: w.database, PGPASSWORD: w.password, F: script });
}

export async function runBench(ctx: PipelineContext, options: RunOptions, log: (line: string) => void = () => {}): Promise<BenchReport> {
  const started = process.hrtime.bigint();
  const stages: BenchStage[] = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-bench-'));
  try {
    log(`generate and load ${options.orders.toLocaleString('en-US')} orders (beside the mariadb CLI)…`);
    const src = await benchSourceSteps(ctx, options);
    stages.push(stage('generate', src.generate.rows, src.generate.seconds, src.generate.cost));
    const cli = 'skipped' in src.cli ? undefined : src.cli;
    stages.push(stage('mysql_load', src.load.rows, src.load.seconds, { ...src.load.cost, repeats: src.load.repeats, ...(cli ? { baselineRowsPerSec: cli.rowsPerSec, baseline: `${cli.client} LOAD DATA LOCAL INFILE` } : { baseline: (src.cli as { skipped: string }).skipped }) }));
    stages.push(stage('row_by_row_insert', src.rowByRow.rows, src.rowByRow.seconds, { baseline: 'the original project: one INSERT per row (a sample of orders)' }));

    log('extract into the lake (beside mariadb --batch | gzip)…');
    const lake = await ctx.lake();
    let extractRows = 0;
    let extractBytes = 0;
    const { value: ours, cost: extractCost } = await metered(() => timed(async () => {
      // Without extract state the next run is full again, so every repeat does the same work.
      await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: EXTRACT_STATE_KEY }));
      const r = await extractSourceIntoLake(ctx, options);
      extractRows = r.rows;
      const detail = (r.detail ?? {}) as Record<string, { bytes?: number }>;
      extractBytes = Object.values(detail).reduce((n, t) => n + (t?.bytes ?? 0), 0);
    }));
    let nativeBytes = 0;
    const native = await timed(async () => { nativeBytes = await nativeExtract(ctx, scratch); });
    stages.push(stage('lake_extract', extractRows, ours.seconds, {
      ...extractCost,
      MBPerSec: extractBytes ? round(extractBytes / 1e6 / ours.seconds) : undefined,
      baselineRowsPerSec: Math.round(extractRows / native.seconds), baseline: `mariadb --batch | gzip -${ctx.config.lake.gzipLevel} (${round(nativeBytes / 1e6, 1)} MB; ours ${round(extractBytes / 1e6, 1)} MB)`, repeats: ours.repeats,
    }));

    log('COPY into the warehouse (beside psql \\copy)…');
    let copied = 0;
    const { value: copy, cost: copyCost } = await metered(() => timed(async () => { copied = (await loadLakeIntoStaging(ctx)).rows; }));
    const psqlCopy = await nativeCopy(ctx, scratch);
    const nativeCopyTime = await timed(psqlCopy);
    await (await ctx.warehouse()).exec('DROP SCHEMA IF EXISTS bench_native CASCADE');
    stages.push(stage('warehouse_copy', copied, copy.seconds, { ...copyCost, baselineRowsPerSec: Math.round(copied / nativeCopyTime.seconds), baseline: 'psql \\copy of the same parts', repeats: copy.repeats }));

    log('merge into core and build the mart…');
    const t = process.hrtime.bigint();
    const { value: core, cost: martCost } = await metered(async () => {
      const built = await buildCore(ctx);
      await buildMart(ctx);
      return built;
    });
    stages.push(stage('mart_build', core.rows, since(t), { ...martCost, baseline: 'buildCore + buildMart' }));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const pipelineStages = new Set(['generate', 'mysql_load', 'lake_extract', 'warehouse_copy', 'mart_build']);
  const totalSeconds = round(stages.filter((s) => pipelineStages.has(s.name)).reduce((n, s) => n + s.seconds, 0), 1);

  log('the whole pipeline on the same shop, from empty databases, stages overlapped…');
  const pipelineRun = await benchPipeline(ctx, options, stages);
  log('CLI start: npm run pipeline -- --help beside npm run env, 5 runs each…');
  const cliStart = await measureCliStart();
  return {
    orders: options.orders, stages, pipelineSeconds: pipelineRun.seconds, pipelineRatio: pipelineRun.ratio, pipeline: pipelineRun,
    totalSeconds, benchSeconds: round(since(started), 1), peakRssMB: peakRssMB(), cliStart,
  };
}

/** Seconds the native tool took for a stage: its rows at the baseline's rate. */
const nativeSecondsOf = (s: BenchStage | undefined) => (s?.baselineRowsPerSec ? s.rows / s.baselineRowsPerSec : 0);

/**
 * Times the real pipeline as a learner runs it: `ctx` is closed and the bench's own databases, bucket and folder
 * are emptied (resetProject), then runPipeline runs generate → mart on a fresh context with the same options (the
 * same seed: the same shop), overlapping what lib/pipeline.ts overlaps; the dashboard step is timed after it.
 */
async function benchPipeline(ctx: PipelineContext, options: RunOptions, stages: BenchStage[]): Promise<BenchPipeline> {
  const config = ctx.config;
  await ctx.close();
  await resetProject(config);
  const fresh = openPipeline({ config });
  try {
    const t = process.hrtime.bigint();
    const saturation = sampleSaturation();
    const { value: reports, cost } = await metered(() => runPipeline(fresh, options, stepRange('generate', 'mart')));
    const saturatedSeconds = saturation.stop();
    const seconds = since(t);
    const d = process.hrtime.bigint();
    await runPipeline(fresh, options, ['dashboard']);
    const dashboardSeconds = since(d);
    const by = (name: BenchStage['name']) => stages.find((s) => s.name === name);
    // The ratio of the two numbers the report shows, so that a reader dividing them gets it (at 3,000 orders the native
    // tools take half a second, and the ratio of unrounded seconds differed from the shown one in the second decimal).
    const native = round(nativeSecondsOf(by('mysql_load')) + nativeSecondsOf(by('lake_extract')) + nativeSecondsOf(by('warehouse_copy')));
    const wall = round(seconds);
    return {
      steps: reports.map((r) => ({ step: r.step, seconds: round(r.seconds), rows: r.rows })),
      seconds: wall, nativeSeconds: native, ratio: native > 0 ? round(wall / native) : 0,
      dashboardSeconds: round(dashboardSeconds), machineCpuPct: cost.machineCpuPct, saturatedSeconds: round(saturatedSeconds, 1),
    };
  } finally {
    await fresh.close();
  }
}

/** One stage's cells, in the column order both the terminal table and the Markdown section use. */
function stageCells(s: BenchStage): string[] {
  return [s.name, s.rows.toLocaleString('en-US'), s.seconds.toFixed(2), s.rowsPerSec.toLocaleString('en-US'),
    s.baselineRowsPerSec?.toLocaleString('en-US') ?? '', s.ratio !== undefined ? `${s.ratio.toFixed(2)}×` : '',
    s.peakRssMB?.toString() ?? '', s.processCpuSeconds !== undefined ? s.processCpuSeconds.toFixed(1) : '',
    s.machineCpuPct !== undefined ? `${s.machineCpuPct}%` : '', s.baseline ?? ''];
}

export function benchTable(report: BenchReport): string {
  const head = ['stage', 'rows', 'seconds', 'rows/s', 'baseline rows/s', 'ours/baseline', 'RSS MB', 'our CPU s', 'machine CPU', 'baseline'];
  const rows = report.stages.map(stageCells);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const last = head.length - 1;
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line),
    `pipeline stages ${report.totalSeconds} s (bench ${report.benchSeconds} s) · peak RSS ${report.peakRssMB} MB · ${report.orders.toLocaleString('en-US')} orders`,
    ...(report.pipeline ? [pipelineLine(report.pipeline)] : []),
    ...(report.cliStart ? [cliStartLine(report.cliStart)] : [])].join('\n');
}

/** The whole pipeline against the native tools, in one sentence (the terminal and the Markdown say the same). */
function pipelineLine(p: BenchPipeline): string {
  return `whole pipeline (generate → mart, overlapped) ${p.seconds.toFixed(1)} s = ${p.ratio.toFixed(2)}× the native tools' ${p.nativeSeconds.toFixed(1)} s`
    + ` (${p.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)}`).join(', ')}; cores ${p.machineCpuPct}% busy, ≥90% for ${p.saturatedSeconds.toFixed(1)} s); then dashboard ${p.dashboardSeconds.toFixed(1)} s`;
}

/** The report as a Markdown section (what docs/benchmarks.md holds, regenerated by --markdown). */
export function benchMarkdown(report: BenchReport, machine: string): string {
  const rows = report.stages.map((s) => `| ${stageCells(s).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return [
    `## ${report.orders.toLocaleString('en-US')} orders`,
    '',
    `\`npm run bench -- --orders ${report.orders} --markdown docs/benchmarks.md\` on ${machine}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| stage | rows | seconds | rows/s | baseline rows/s | ours/baseline | peak RSS MB | our CPU s | machine CPU busy | baseline |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    `Pipeline stages together: **${report.totalSeconds} s**; peak RSS of the pipeline process: **${report.peakRssMB} MB**.`,
    ...(report.pipeline ? ['', `${pipelineLine(report.pipeline).replace(/^whole pipeline/, 'Whole pipeline')}.`] : []),
    '',
    ...(report.cliStart ? [cliStartLine(report.cliStart), ''] : []),
  ].join('\n');
}

const ordersOfHeading = (heading: string): number | null => {
  const m = /^## ([\d,]+) orders$/.exec(heading);
  return m ? Number(m[1].replace(/,/g, '')) : null;
};

/** Replaces (or appends) the section for this order count in a Markdown file, keeping every other section. */
export function writeBenchMarkdown(file: string, section: string): void {
  const heading = section.split('\n')[0];
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const parts = text.split(/(?=^## )/m);
  const i = parts.findIndex((p) => p.startsWith(heading + '\n'));
  if (i >= 0) parts[i] = section + '\n';
  else {
    // A new "## N orders" section goes before the first one for more orders, so the file reads small to large.
    const orders = ordersOfHeading(heading);
    const after = orders === null ? -1 : parts.findIndex((p) => (ordersOfHeading(p.split('\n')[0]) ?? -1) > orders);
    if (after >= 0) parts.splice(after, 0, section + '\n');
    else parts.push(section + '\n');
  }
  fs.writeFileSync(file, parts.join('').replace(/\n{3,}/g, '\n\n'));
}
