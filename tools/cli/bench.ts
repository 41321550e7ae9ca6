/** npm run bench -- --orders N [--json] [--keep]: stage throughput and peak memory beside the native bulk tools. */
import { main, parseCli, positiveInt } from './common';
import { loadConfig } from '../../lib/core/config';
import os from 'node:os';
import path from 'node:path';
import { redact } from '../../lib/core/errors';

const USAGE = `
Usage: npm run bench -- --orders N [--seed S] [--json] [--markdown FILE] [--keep]

Generates N orders and runs every stage beside the native tool on the same files:
mariadb LOAD DATA (MySQL load), mariadb --batch | gzip (extract), psql \\copy (warehouse COPY).
Uses its own databases (orderhe_bench, orderhe_dw_bench), bucket and data folder, dropped at the end
unless --keep. --json prints one JSON object as the last line; --markdown FILE writes
the table into that file's section for N orders (docs/benchmarks.md), stores the run as
bench/orders-N.json beside FILE and redraws benchmarks-scaling.svg from every stored run.
`;

main(async () => {
  const { values } = parseCli({ orders: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean', default: false }, markdown: { type: 'string' }, keep: { type: 'boolean', default: false } }, USAGE);
  const base = loadConfig({ profile: values.profile, configFile: values.config });
  // The bench never touches the learner's data: its own databases, bucket and folder.
  const env = {
    ...process.env,
    MYSQL_DATABASE: `${base.source.database}_bench`,
    PGDATABASE: `${base.warehouse.database}_bench`,
    LAKE_BUCKET: `${base.lake.bucket}-bench`,
    ORDERHE_DATA_DIR: `${base.pipeline.dataDir}/bench`,
  };
  const config = loadConfig({ profile: values.profile, configFile: values.config, env });
  const options = {
    orders: positiveInt('--orders', values.orders, 100_000, 50_000_000),
    seed: positiveInt('--seed', values.seed, config.pipeline.seed, 2 ** 32 - 1, 0),
    locale: config.pipeline.locale,
  };
  const log = (s: string) => process.stderr.write(`  ${s}\n`);
  // The pipeline, the bench and reset (every driver and package) load once the flags are parsed.
  const { openPipeline } = await import('../../lib/pipeline.js');
  const { runBench, benchTable, benchMarkdown, writeBenchMarkdown } = await import('../bench/bench.js');
  const { readBenchRuns, scalingMarkdown, storeBenchRun, writeScalingChart } = await import('../bench/chart.js');
  const { resetProject } = await import('../reset.js');
  const ctx = openPipeline({ config });
  try {
    const report = await runBench(ctx, options, log);
    process.stdout.write(benchTable(report) + '\n');
    if (values.markdown) {
      const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
      writeBenchMarkdown(values.markdown, benchMarkdown(report, machine));
      // The run itself beside the Markdown, so the scaling chart is drawn from real runs only.
      const dir = path.join(path.dirname(values.markdown), 'bench');
      const stored = storeBenchRun(dir, { ...report, machine, date: new Date().toISOString().slice(0, 10) });
      const svg = path.join(path.dirname(values.markdown), 'benchmarks-scaling.svg');
      const runs = readBenchRuns(dir);
      await writeScalingChart(runs, svg);
      writeBenchMarkdown(values.markdown, scalingMarkdown(runs, path.basename(svg)));
      log(`wrote the ${options.orders.toLocaleString('en-US')}-order section of ${values.markdown}, ${stored} and ${svg} (${runs.length} runs)`);
    }
    if (values.json) process.stdout.write(redact(JSON.stringify(report)) + '\n');
  } finally {
    await ctx.close();
    if (!values.keep) await resetProject(config);
  }
});
