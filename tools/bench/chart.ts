/**
 * The scaling chart of docs/benchmarks.md: every stored bench run (docs/bench/orders-N.json, written by
 * `npm run bench -- --markdown docs/benchmarks.md`) drawn as seconds and peak RSS per stage against orders.
 * Drawn with the same chart code as the notebooks, into an SVG a Markdown viewer shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchReport } from './bench';
import { chart } from '../../lib/charts/specs';
import { renderChart } from '../../lib/charts/render';

/** A stored run: the report plus where and when it ran. */
export interface StoredBenchRun extends BenchReport {
  machine: string;
  date: string;
}

const PIPELINE_STAGES = ['generate', 'mysql_load', 'lake_extract', 'warehouse_copy', 'mart_build'] as const;

export const benchRunFile = (dir: string, orders: number) => path.join(dir, `orders-${orders}.json`);

export function storeBenchRun(dir: string, run: StoredBenchRun): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = benchRunFile(dir, run.orders);
  fs.writeFileSync(file, JSON.stringify(run, null, 1) + '\n');
  return file;
}

export function readBenchRuns(dir: string): StoredBenchRun[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^orders-\d+\.json$/.test(f))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as StoredBenchRun)
    .sort((a, b) => a.orders - b.orders);
}

/** Rows for the chart: one per run and pipeline stage, plus the whole pipeline's seconds and the process's peak RSS. */
export function scalingRows(runs: readonly StoredBenchRun[]): { orders: number; stage: string; seconds: number; rssMB: number | null }[] {
  const rows: { orders: number; stage: string; seconds: number; rssMB: number | null }[] = [];
  for (const run of runs) {
    for (const name of PIPELINE_STAGES) {
      const s = run.stages.find((x) => x.name === name);
      if (s) rows.push({ orders: run.orders, stage: name, seconds: s.seconds, rssMB: s.peakRssMB ?? null });
    }
    rows.push({ orders: run.orders, stage: 'pipeline (all stages)', seconds: run.totalSeconds, rssMB: run.peakRssMB });
  }
  return rows;
}

/** Draws the stored runs (readBenchRuns) into `svgFile`; returns how many it drew (0: nothing stored, no file written). */
export async function writeScalingChart(runs: readonly StoredBenchRun[], svgFile: string): Promise<number> {
  if (runs.length === 0) return 0;
  const x = { field: 'orders', type: 'quantitative', scale: { type: 'log' }, axis: { title: 'orders (log scale)', format: '~s' } };
  const color = { field: 'stage', type: 'nominal', title: 'stage', sort: [...PIPELINE_STAGES, 'pipeline (all stages)'] };
  const spec = chart({
    title: { text: 'Cost grows with the shop; memory stays flat', subtitle: `npm run bench at ${runs.map((r) => r.orders.toLocaleString('en-US')).join(', ')} orders · ${runs[runs.length - 1].machine}` },
    data: { values: scalingRows(runs) },
    hconcat: [
      {
        width: 380, height: 280,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'seconds (log scale)' }, color, tooltip: [{ field: 'stage' }, { field: 'orders' }, { field: 'seconds' }] },
      },
      {
        width: 380, height: 280,
        transform: [{ filter: 'datum.rssMB != null' }],
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'rssMB', type: 'quantitative', title: 'peak RSS of the pipeline process (MB)', scale: { zero: true } }, color, tooltip: [{ field: 'stage' }, { field: 'orders' }, { field: 'rssMB' }] },
      },
    ],
  });
  const rendered = await renderChart(spec);
  fs.mkdirSync(path.dirname(svgFile), { recursive: true });
  fs.writeFileSync(svgFile, rendered.svg);
  return runs.length;
}

const secondsCell = (s: BenchReport['stages'][number] | undefined, native = false) => {
  if (!s) return '';
  const own = s.seconds.toFixed(1);
  return native && s.baselineRowsPerSec ? `${own} (${(s.rows / s.baselineRowsPerSec).toFixed(1)})` : own;
};

/**
 * The "## Scaling" section of docs/benchmarks.md: the chart and a table of every stored run (seconds per stage,
 * the native tool's seconds in brackets, peak RSS), so the scaling numbers are never typed by hand.
 */
export function scalingMarkdown(runs: readonly StoredBenchRun[], svgName: string): string {
  const rows = runs.map((r) => {
    const by = (name: string) => r.stages.find((s) => s.name === name);
    return `| ${r.orders.toLocaleString('en-US')} | ${secondsCell(by('generate'))} | ${secondsCell(by('mysql_load'), true)} | ${secondsCell(by('lake_extract'), true)} | ` +
      `${secondsCell(by('warehouse_copy'), true)} | ${secondsCell(by('mart_build'))} | ${r.totalSeconds.toFixed(1)} | ` +
      `${r.pipeline ? `${r.pipeline.seconds.toFixed(1)} (${r.pipeline.ratio.toFixed(2)}×)` : ''} | ${r.peakRssMB} MB | ${r.date} |`;
  });
  return [
    '## Scaling',
    '',
    `![Seconds and peak RSS per stage against orders](${svgName})`,
    '',
    'Seconds per stage; the native tool\'s seconds on the same data, in the same run, in brackets. "Whole pipeline" is the',
    'real pipeline (generate → mart, stages overlapped) on the same shop from empty databases, and its ratio to the three',
    'native tools\' seconds added up (runs before 2026-12-02 did not measure it). Written with the chart by',
    '`npm run bench -- --orders N --markdown docs/benchmarks.md` from every run stored in `docs/bench/`.',
    '',
    '| orders | generate | MySQL load | lake extract | warehouse COPY | core + mart | pipeline stages (s) | whole pipeline (s) | peak RSS | run on |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
  ].join('\n');
}
