/**
 * Ad-hoc work on the mart from a notebook: see what is there, ask a question in SQL with bound parameters,
 * get rows or a danfojs DataFrame back, and chart the answer in one call. Queries go through `queryMart`
 * (read-only transaction, values bound as $1, $2, ...), so exploring can never change the mart.
 */
import type { PipelineContext } from '../core/context';
import { queryMart, listMartTables } from '../mart/query';
import { toRows, showTable, type Rows, type MimeBundle } from './display';
import type { VegaLiteSpec } from '../charts/specs';
import { showChart } from './charts';
import { OrderHeError } from '../core/errors';

/**
 * A danfojs DataFrame. danfojs declares its types only under package.json `exports`, which the notebook
 * kernel's TypeScript (Node10 resolution) cannot see, so the methods a notebook uses most are spelled out
 * here and the rest stay callable untyped.
 */
export interface MartFrame {
  readonly columns: string[];
  readonly shape: number[];
  readonly values: unknown[][];
  head(rows?: number): MartFrame;
  tail(rows?: number): MartFrame;
  describe(): MartFrame;
  print(): void;
  sortValues(column: string, options?: { ascending?: boolean }): MartFrame;
  column(name: string): { values: unknown[]; sum(): number; mean(): number; max(): number; min(): number };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [method: string]: any;
}

/** Rows as a danfojs DataFrame (NUMERIC text already turned into numbers, dates into ISO text). */
export function toFrame(rows: Rows): MartFrame {
  // Loaded on first use: danfojs brings TensorFlow.js, which takes a second to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dfd = require('danfojs') as { DataFrame: new (rows: Rows) => MartFrame };
  if (rows.length === 0) throw new OrderHeError('The query returned no rows, so there is no DataFrame to make.', 'Check the WHERE clause and its parameters (showTable(rows) shows what came back).');
  return new dfd.DataFrame(toRows(rows));
}

/** Runs a read-only mart query (values bound as $1, $2, ...) and returns rows ready for charts and tables. */
export async function queryRows(ctx: PipelineContext, sql: string, params: unknown[] = []): Promise<Rows> {
  return toRows(await queryMart(ctx, sql, params));
}

/** Runs a read-only mart query and returns a danfojs DataFrame. */
export async function queryFrame(ctx: PipelineContext, sql: string, params: unknown[] = []): Promise<MartFrame> {
  return toFrame(await queryRows(ctx, sql, params));
}

/**
 * One call from question to chart: runs the query, hands the rows to a builder
 * (e.g. `(rows) => barChart(rows, {...})`) and shows the chart. Returns nothing, like showChart, so the cell
 * prints only the chart; to keep the rows, use queryRows and showChart in two steps.
 */
export async function chartQuery(
  ctx: PipelineContext,
  sql: string,
  params: unknown[],
  build: (rows: Rows) => VegaLiteSpec,
): Promise<void> {
  const rows = await queryRows(ctx, sql, params);
  await showChart(build(rows));
}

/** Stops a notebook early, in one sentence, when the mart has not been built or holds no sales yet. */
export async function assertMartBuilt(ctx: PipelineContext): Promise<void> {
  const tables = await listMartTables(ctx);
  const daily = tables.find((t) => t.table.replace(/^mart\./, '') === 'daily_sales');
  if (!daily || daily.rows === 0) {
    throw new OrderHeError('The mart holds no sales yet (mart.daily_sales is empty), so there is nothing to explore.', 'Load the warehouse and build the mart first: npm run pipeline (or notebooks 05 and 06).');
  }
}

/** The mart's tables as a table: name, grain, row count and columns. Returns the bundle outside a notebook. */
export async function showMartTables(ctx: PipelineContext): Promise<MimeBundle | undefined> {
  const tables = await listMartTables(ctx);
  return showTable(
    tables.map((t) => ({ table: t.table.includes('.') ? t.table : `mart.${t.table}`, rows: t.rows, grain: t.grain, columns: t.columns.join(', ') })),
    { title: 'Mart tables', limit: 50 },
  );
}

