import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { testEnv, runCli } from './helpers';
import { mysqlOptions } from '../lib/source/connection';
import { writeBenchMarkdown, type BenchReport, type BenchStage } from '../tools/bench/bench';

const t = testEnv('bench');
after(() => t.cleanup());

test('npm run bench --json ends with one JSON report of every stage beside its native tool; --markdown writes the section, the stored run and the scaling chart', { timeout: 300_000 }, async () => {
  const docs = path.join(t.dataDir, 'docs');
  const md = path.join(docs, 'benchmarks.md');
  const r = runCli(t, 'bench.ts', ['--orders', '3000', '--seed', '5', '--json', '--markdown', md]);
  assert.equal(r.code, 0, r.all);

  const lines = r.out.trim().split('\n');
  const report = JSON.parse(lines[lines.length - 1]) as BenchReport;
  assert.equal(report.orders, 3000);
  assert.deepEqual(report.stages.map((s) => s.name), ['generate', 'mysql_load', 'row_by_row_insert', 'lake_extract', 'warehouse_copy', 'mart_build']);
  const by = (name: BenchStage['name']) => report.stages.find((s) => s.name === name)!;
  // Every stage moved the same shop: the generated rows are the rows loaded, extracted and copied.
  const rows = by('generate').rows;
  assert.ok(rows > 3000);
  for (const name of ['mysql_load', 'lake_extract', 'warehouse_copy', 'mart_build'] as const) assert.equal(by(name).rows, rows, name);
  for (const name of ['mysql_load', 'lake_extract', 'warehouse_copy'] as const) {
    const s = by(name);
    assert.ok(s.baselineRowsPerSec! > 0 && s.baseline, `${name} has a native baseline`);
    assert.ok(Math.abs(s.ratio! - s.rowsPerSec / s.baselineRowsPerSec!) <= 0.006, `${name} ratio is ours / baseline`);
  }
  const pipelineStages = report.stages.filter((s) => s.name !== 'row_by_row_insert');
  for (const s of pipelineStages) {
    assert.ok(s.peakRssMB! > 0 && s.peakRssMB! <= report.peakRssMB, `${s.name} peak RSS within the process's`);
    // The stage kept at least this process busy, so the machine was not idle; a share is at most 100.
    assert.ok(s.machineCpuPct! > 0 && s.machineCpuPct! <= 100, `${s.name} machine CPU is a share, above 0: ${s.machineCpuPct}`);
    assert.equal(typeof s.processCpuSeconds, 'number', `${s.name} measured this process's CPU`);
  }
  // Generating the shop and gzipping the extract are work done in this process: their CPU time cannot be zero.
  for (const name of ['generate', 'lake_extract'] as const) assert.ok(by(name).processCpuSeconds! > 0, `${name} used this process's CPU: ${by(name).processCpuSeconds}`);
  const sum = pipelineStages.reduce((n, s) => n + s.seconds, 0);
  assert.ok(Math.abs(report.totalSeconds - sum) < 0.1, 'totalSeconds adds up the pipeline stages');
  // The whole pipeline ran on the same shop from empty databases, and its ratio is to the three native tools' seconds.
  const p = report.pipeline!;
  assert.deepEqual(p.steps.map((s) => s.step), ['generate', 'source', 'lake', 'warehouse', 'mart']);
  for (const step of ['generate', 'source', 'lake', 'warehouse']) assert.equal(p.steps.find((s) => s.step === step)!.rows, rows, `the pipeline's ${step} moved the bench's shop`);
  const native = (['mysql_load', 'lake_extract', 'warehouse_copy'] as const).reduce((n, name) => n + by(name).rows / by(name).baselineRowsPerSec!, 0);
  assert.ok(Math.abs(p.nativeSeconds - native) <= 0.01, `nativeSeconds is the three native stages: ${p.nativeSeconds} vs ${native}`);
  assert.equal(report.pipelineSeconds, p.seconds);
  assert.ok(p.seconds > 0 && Math.abs(report.pipelineRatio! - p.seconds / p.nativeSeconds) <= 0.006, 'pipelineRatio is the wall time over the native sum');
  assert.ok(p.dashboardSeconds > 0);
  assert.match(r.out, /whole pipeline \(generate → mart, overlapped\) [\d.]+ s = [\d.]+× the native tools'/);
  // The human table comes first.
  assert.match(r.out, /ours\/baseline[\s\S]*mysql_load[\s\S]*pipeline stages/);

  const text = fs.readFileSync(md, 'utf8');
  assert.match(text, /^## 3,000 orders$/m);
  assert.match(text, /\| mysql_load \| [\d,]+ \|/);
  // The scaling section is rebuilt from the stored runs: a row for this one, the native seconds in brackets.
  assert.match(text, /^## Scaling$/m);
  assert.match(text, /^\| 3,000 \| [\d.]+ \| [\d.]+ \([\d.]+\) \|/m);
  const stored = JSON.parse(fs.readFileSync(path.join(docs, 'bench', 'orders-3000.json'), 'utf8')) as BenchReport & { machine: string };
  assert.deepEqual(stored.stages.map((s) => s.rows), report.stages.map((s) => s.rows));
  assert.match(stored.machine, /cores/);
  const svg = fs.readFileSync(path.join(docs, 'benchmarks-scaling.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  for (const label of ['mysql_load', 'lake_extract', 'warehouse_copy', 'pipeline (all stages)']) assert.ok(svg.includes(label), `the chart names ${label}`);

  // The bench used databases of its own and dropped them.
  const conn = await mysql.createConnection(mysqlOptions(t.config.source));
  try {
    const [dbs] = (await conn.query('SHOW DATABASES LIKE ?', [`${t.config.source.database}_bench`])) as unknown as [unknown[]];
    assert.equal(dbs.length, 0);
  } finally {
    await conn.end();
  }
});

test('the benchmarks file keeps its hand-written sections, replaces a run\'s section in place and files new runs by size', () => {
  const file = path.join(t.dataDir, 'order.md');
  fs.writeFileSync(file, '# Benchmarks\n\nintro\n\n## Where the targets stand\n\nanalysis\n\n## 10,000 orders\n\nold 10k\n\n## 1,000,000 orders\n\nold 1M\n');
  writeBenchMarkdown(file, '## 200,000 orders\n\nnew 200k\n');
  writeBenchMarkdown(file, '## 10,000 orders\n\nnew 10k\n');
  writeBenchMarkdown(file, '## 5,000,000 orders\n\nnew 5M\n');
  const headings = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#'));
  assert.deepEqual(headings, ['# Benchmarks', '## Where the targets stand', '## 10,000 orders', '## 200,000 orders', '## 1,000,000 orders', '## 5,000,000 orders']);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes('new 10k') && !text.includes('old 10k') && text.includes('old 1M') && text.includes('analysis'));
});
