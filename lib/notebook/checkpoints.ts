/**
 * Checkpoints: one call per pipeline step that tells a learner, in ✓ and ✗ lines, whether their state is
 * what the next notebook expects. A ✗ prints a hint and then throws, so the notebook stops there (and the
 * tests, which execute every notebook, fail) instead of going on with a broken state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import type { PipelineContext } from '../core/context';
import { OrderHeError } from '../core/errors';
import { readGeneratedManifest } from '../generate/files';
import { listRuns, readExtractState } from '../lake/read';
import { SOURCE_TABLES } from '../lake/format';
import { stagingCounts } from '../warehouse/staging-load';

export type CheckpointStep = 'generate' | 'source' | 'lake' | 'staging' | 'warehouse' | 'mart' | 'dashboard';

export interface CheckpointLine { ok: boolean; text: string; hint?: string }

const num = (n: number) => n.toLocaleString('en-US');

async function sourceCounts(ctx: PipelineContext) {
  const src = await ctx.source();
  const [rows] = await src.pool.query(
    'SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM order_items) AS items, (SELECT lineage_id FROM source_lineage LIMIT 1) AS lineage');
  const r = (rows as { orders: string; items: string; lineage: string | null }[])[0];
  return { orders: Number(r.orders), items: Number(r.items), lineage: r.lineage };
}

async function warehouseCount(ctx: PipelineContext, table: string): Promise<number> {
  const db = await ctx.warehouse();
  const [r] = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(r.n);
}

/** The checks behind a checkpoint, as data (a test or a notebook can show them as a table). */
export async function checkpointLines(ctx: PipelineContext, step: CheckpointStep, expect: { orders?: number } = {}): Promise<CheckpointLine[]> {
  const lines: CheckpointLine[] = [];
  const add = (ok: boolean, text: string, hint?: string) => lines.push({ ok, text, hint: ok ? undefined : hint });
  const attempt = async (what: string, hint: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      add(false, `${what}: ${(err as Error).message}`, (err as OrderHeError).fix ?? hint);
    }
  };
  switch (step) {
    case 'generate':
      await attempt('generated shop', 'Run the generate cell again.', async () => {
        const m = readGeneratedManifest(ctx.config.pipeline.dataDir);
        add(!expect.orders || m.orders === expect.orders, `generated ${num(m.rows.orders ?? 0)} orders and ${num(m.rows.order_items ?? 0)} items (seed ${m.seed})`, `Expected ${num(expect.orders ?? 0)} orders: run the generate cell with the notebook's options.`);
      });
      break;
    case 'source':
      await attempt('MySQL source', 'Run the load cell again (loadShopIntoSource).', async () => {
        const c = await sourceCounts(ctx);
        add(c.orders > 0 && (!expect.orders || c.orders === expect.orders), `source holds ${num(c.orders)} orders`, `Expected ${num(expect.orders ?? 1)}: run generate and load again with the notebook's options.`);
        add(c.items > c.orders, `source holds ${num(c.items)} order items (more than orders)`, 'Reload the source: some items are missing.');
        add(!!c.lineage, `source lineage ${c.lineage ?? 'missing'}`, 'Reload the source without --append: the lineage row is written by a full load.');
      });
      break;
    case 'lake':
      await attempt('lake', 'Run the extract cell again (extractSourceIntoLake).', async () => {
        const lake = await ctx.lake();
        const state = await readExtractState(lake);
        const c = await sourceCounts(ctx);
        add(!!state && state.lineage === c.lineage, `lake state follows the source's lineage (${state?.lineage ?? 'no state'})`, 'Run the extract: the lake has not seen this source yet.');
        for (const table of SOURCE_TABLES) {
          const runs = await listRuns(lake, { table });
          add(runs.length > 0, `${table}: ${runs.length} run(s) with a manifest`, `Run the extract: no run of ${table} has a manifest.`);
        }
      });
      break;
    case 'staging':
      await attempt('staging', 'Run the load cell again (loadLakeIntoStaging).', async () => {
        for (const c of await stagingCounts(await ctx.warehouse())) {
          add(c.staged === c.manifest, `staging.${c.table}: ${num(c.staged)} rows from ${c.runs} run(s), manifests say ${num(c.manifest)}`, 'Load again: staging must hold exactly what the manifests list.');
        }
      });
      break;
    case 'warehouse':
      await attempt('warehouse', 'Run the load and core cells again (loadLakeIntoStaging, buildCore).', async () => {
        const c = await sourceCounts(ctx);
        const orders = await warehouseCount(ctx, 'core.fct_orders');
        const items = await warehouseCount(ctx, 'core.fct_order_items');
        add(orders === c.orders, `core.fct_orders has ${num(orders)} rows, the source ${num(c.orders)}`, 'Extract and load again: the warehouse is behind the source.');
        add(items === c.items, `core.fct_order_items has ${num(items)} rows, the source ${num(c.items)}`, 'Extract and load again: the warehouse is behind the source.');
      });
      break;
    case 'mart':
      await attempt('mart', 'Run buildMart again.', async () => {
        const db = await ctx.warehouse();
        const tables = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'mart' ORDER BY table_name`);
        let filled = 0;
        for (const t of tables) if ((await warehouseCount(ctx, `mart."${t.table_name}"`)) > 0) filled++;
        add(filled >= 6, `mart has ${filled} tables with rows (of ${tables.length})`, 'Build the mart: buildMart(ctx).');
      });
      break;
    case 'dashboard': {
      const file = path.join(ctx.config.pipeline.dataDir, 'out', 'dashboard.html');
      const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
      add(size > 0, `dashboard ${size > 0 ? `written (${num(Math.round(size / 1024))} KB)` : 'missing'}: ${file}`, 'Run writeDashboard(ctx).');
      break;
    }
  }
  return lines;
}

/** A failed checkpoint: its ✗ lines and hints are printed already, so the kernel shows this one line, not a stack trace. */
export class CheckpointFailed extends OrderHeError {
  constructor(message: string, fix?: string) {
    super(message, fix);
    this.name = 'CheckpointFailed';
    this.stack = `${this.name}: ${message}`;
  }

  [inspect.custom](): string {
    return `${this.message} (see the ✗ lines above)`;
  }
}

/** Prints ✓/✗ lines for a step and throws when any failed, with the first hint. */
export async function checkpoint(ctx: PipelineContext, step: CheckpointStep, expect: { orders?: number } = {}): Promise<void> {
  const lines = await checkpointLines(ctx, step, expect);
  for (const l of lines) console.log(`${l.ok ? '✓' : '✗'} ${l.text}${l.hint ? `\n    hint: ${l.hint}` : ''}`);
  const failed = lines.find((l) => !l.ok);
  if (failed) throw new CheckpointFailed(`Checkpoint "${step}" failed: ${failed.text}.`, failed.hint);
  console.log(`Checkpoint "${step}" passed.`);
}
