/**
 * Reading the mart: what tables it has (with their grain, columns and row counts), ad-hoc queries with bound
 * parameters, and the lineage of every model from the source tables to the mart, read from the models' YAML
 * (depends_on), not from their SQL text.
 */
import path from 'node:path';
import type { PipelineContext } from '../core/context';
import { OrderHeError } from '../core/errors';
import { SOURCE_TABLES } from '../core/tables';
import { loadDeclaredModels } from '../quality/declared-models';
import { coreMergeModels } from '../warehouse/core-merge';
import { martModels } from './build';

export interface MartTableInfo {
  table: string;
  /** What one row is (the model's YAML `grain`). */
  grain: string;
  /** What the table holds (the model's YAML `description`). */
  description: string;
  rows: number;
  columns: string[];
  /** The model file, relative to the project. */
  file: string;
}

const relative = (ctx: PipelineContext, file: string) => file.slice(ctx.config.projectRoot.length + 1);

/** The published mart tables in build order, with grain and description (from NAME.yml), columns and row counts. */
export async function listMartTables(ctx: PipelineContext): Promise<MartTableInfo[]> {
  const db = await ctx.warehouse();
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'mart' ORDER BY table_name, ordinal_position`);
  if (columns.length === 0) throw new OrderHeError('The mart has not been built yet.', 'Build it: npm run pipeline -- --until mart (or the buildMart cell of notebook 06).');
  const out: MartTableInfo[] = [];
  for (const m of martModels(ctx.config.projectRoot)) {
    const cols = columns.filter((c) => c.table_name === m.name).map((c) => c.column_name);
    if (cols.length === 0) continue; // a model added after the last build
    // The name is a mart model's file name, already checked as a plain identifier by the build.
    const [count] = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM mart."${m.name}"`);
    out.push({ table: `mart.${m.name}`, grain: m.declared!.grain, description: m.declared!.description, rows: Number(count.n), columns: cols, file: relative(ctx, m.file) });
  }
  return out;
}

/**
 * Runs one query on the warehouse, values bound as $1, $2, … (never pasted into the SQL), in a READ ONLY
 * transaction (each adapter asks for it its own way), so an exploration cell cannot change the mart by accident.
 * NUMERIC and BIGINT come back as exact text; showTable and the chart builders turn them into numbers.
 */
export async function queryMart<T = Record<string, unknown>>(ctx: PipelineContext, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = await ctx.warehouse();
  return db.transaction((tx) => tx.query<T>(sql, params), { readOnly: true });
}

export interface ModelLineage {
  /** The table the model makes: `core.fct_orders`, `mart.daily_sales`; `lake.orders` for a lake table. */
  model: string;
  /** The tables it reads: its YAML's depends_on (`source.orders` for a lake table). */
  reads: string[];
  /** What builds it, relative to the project: the merge or mart SQL, the staging DDL, the lake's extract. */
  file: string;
}

/**
 * Every model from the source tables through the lake, staging and core to the mart, in build order, each with
 * the tables it reads as its YAML declares them. Bookkeeping tables (core.loaded_runs, ...) read nothing and
 * feed nothing, so they are left out.
 */
export function modelLineage(projectRoot: string): ModelLineage[] {
  const declared = loadDeclaredModels(projectRoot);
  const rel = (f: string) => path.relative(projectRoot, f);
  const read = new Set(declared.flatMap((m) => m.dependsOn));
  const inLineage = (name: string, reads: readonly string[]) => reads.length > 0 || read.has(name);
  const lake = SOURCE_TABLES.filter((t) => read.has(`lake.${t}`))
    .map((t) => ({ model: `lake.${t}`, reads: [`source.${t}`], file: 'lib/lake/extract.ts' }));
  const staging = declared.filter((m) => m.layer === 'staging' && inLineage(m.name, m.dependsOn))
    .map((m) => ({ model: m.name, reads: m.dependsOn, file: m.sqlFile }));
  return [
    ...lake,
    ...staging,
    ...coreMergeModels(projectRoot, declared).map((m) => ({ model: `core.${m.name}`, reads: m.reads, file: rel(m.file) })),
    ...martModels(projectRoot, declared).map((m) => ({ model: `mart.${m.name}`, reads: m.reads, file: rel(m.file) })),
  ];
}

/** The lineage as text a notebook prints: one line per model, `model  ←  what it reads`. */
export function lineageText(lineage: ModelLineage[]): string {
  const width = Math.max(...lineage.map((l) => l.model.length));
  return lineage.map((l) => `${l.model.padEnd(width)}  ←  ${l.reads.join(', ')}`).join('\n');
}

export interface LineageNode {
  table: string;
  schema: string;
  /** Column of the drawing: 0 for a source table, then one more than the deepest table it reads. */
  depth: number;
  /** Position in its column, 0..1 from the top. */
  y: number;
}
export interface LineageEdge { from: string; to: string; x: number; y: number; x2: number; y2: number }

/**
 * The lineage laid out for a drawing: each table one column to the right of everything it reads, tables of a
 * column spread top to bottom, one edge per read. Plain data; notebook 06 draws it with a vega-lite chart, the
 * catalog page (lib/charts/catalog.ts) as inline SVG.
 */
export function lineageGraph(lineage: ModelLineage[]): { nodes: LineageNode[]; edges: LineageEdge[] } {
  const reads = new Map(lineage.map((l) => [l.model, l.reads]));
  const depth = new Map<string, number>();
  const depthOf = (table: string): number => {
    if (!depth.has(table)) depth.set(table, reads.has(table) ? 1 + Math.max(0, ...reads.get(table)!.map(depthOf)) : 0);
    return depth.get(table)!;
  };
  const tables = [...new Set([...lineage.flatMap((l) => l.reads), ...lineage.map((l) => l.model)])];
  tables.forEach(depthOf);
  const columns = new Map<number, string[]>();
  for (const t of tables) columns.set(depth.get(t)!, [...(columns.get(depth.get(t)!) ?? []), t]);
  const nodes: LineageNode[] = [];
  const at = new Map<string, LineageNode>();
  // Column by column, each table sits near the average height of what it reads: fewer crossing edges.
  for (const d of [...columns.keys()].sort((a, b) => a - b)) {
    const height = (t: string) => {
      const ys = (reads.get(t) ?? []).map((r) => at.get(r)?.y).filter((y): y is number => y !== undefined);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    const members = columns.get(d)!.sort((a, b) => height(a) - height(b) || a.localeCompare(b));
    members.forEach((t, i) => {
      const node = { table: t, schema: t.split('.')[0], depth: d, y: (i + 0.5) / members.length };
      nodes.push(node);
      at.set(t, node);
    });
  }
  const edges = lineage.flatMap((l) => l.reads.map((r) => ({ from: r, to: l.model, x: at.get(r)!.depth, y: at.get(r)!.y, x2: at.get(l.model)!.depth, y2: at.get(l.model)!.y })));
  return { nodes, edges };
}
