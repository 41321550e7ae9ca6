/**
 * Step 6: the dashboard. It replaces the original project's Looker Studio step (which could not connect to
 * the warehouse and fell back to uploading CSVs): one HTML file that opens offline, plus the mart as CSVs
 * for any BI tool, and the model catalog (catalog.html: every model's description, columns, tests and their last
 * results, and the lineage). All land in <dataDir>/out/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PipelineContext } from '../core/context';
import type { StepResult } from '../core/steps';
import { readDashboardData, dashboardViews, type DashboardData } from './views';
import { dashboardHtml, type KpiDay } from './page';
import { exportMartTables } from '../mart/export';
import { buildCatalogHtml } from './catalog';
import { settleAll } from '../core/concurrency';
import type { Warehouse } from '../warehouse/adapter';

/** Where the dashboard and the CSV exports go. */
export function dashboardOutputDir(ctx: PipelineContext): string {
  return path.join(ctx.config.pipeline.dataDir, 'out');
}

function kpiDays(rows: DashboardData['daily']): KpiDay[] {
  return rows.map((r) => ({
    t: Date.parse(String(r.order_date)),
    revenue: Number(r.revenue),
    sales_orders: Number(r.sales_orders),
    orders: Number(r.orders),
    cancelled_orders: Number(r.cancelled_orders),
    items_sold: Number(r.items_sold),
  }));
}

/** Write then rename, so a browser left open on the old file never reads half a page. */
function writeAtomically(file: string, text: string) {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/** Step 6: write data/out/dashboard.html, data/out/catalog.html and the mart CSV exports. */
export async function writeDashboard(ctx: PipelineContext): Promise<StepResult> {
  const wh = await ctx.warehouse();
  const out = dashboardOutputDir(ctx);
  fs.mkdirSync(out, { recursive: true });

  // The mart is committed, so these are reads that may overlap: the dashboard's queries, the catalog's and the CSV
  // exports each take pooled connections of their own and the server works on them at once (at 200k orders, 2.4 s of
  // dashboard queries and 2.6 s of exports one after the other). A failure is thrown once all three have settled.
  const [page, catalogPage, exports] = await settleAll([
    dashboardPage(ctx, wh),
    buildCatalogHtml(wh, ctx.config.projectRoot),
    exportMartTables(wh, out),
  ] as const);
  const file = path.join(out, 'dashboard.html');
  writeAtomically(file, page);
  const catalog = path.join(out, 'catalog.html');
  writeAtomically(catalog, catalogPage);
  ctx.progress('dashboard', exports.length, exports.length, 'tables exported');
  return {
    rows: exports.reduce((n, e) => n + e.rows, 0),
    detail: { dashboard: file, bytes: Buffer.byteLength(page), catalog, catalogBytes: Buffer.byteLength(catalogPage), csv: Object.fromEntries(exports.map((e) => [e.table, e.rows])) },
  };
}

/** The dashboard page's HTML, from the mart's rows. */
async function dashboardPage(ctx: PipelineContext, wh: Warehouse): Promise<string> {
  const data = await readDashboardData(wh);
  const first = data.daily[0]?.order_date;
  const last = data.daily[data.daily.length - 1]?.order_date;
  return dashboardHtml({
    title: 'Order-He sales dashboard',
    subtitle: `Orders from ${first ?? '–'} to ${last ?? '–'} (the shop's local days), from the warehouse mart (${ctx.config.profile} profile).`,
    views: dashboardViews(data),
    days: kpiDays(data.daily),
    countries: Object.fromEntries(data.countries.map((c) => [String(c.country), {
      customers: Number(c.customers),
      days: kpiDays(data.countryDays.filter((d) => d.country === c.country)),
    }])),
    customers: data.customers,
    currency: data.currency,
    generatedAt: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  });
}

// The views one by one, for notebook 07 (which builds the dashboard cell by cell).
export {
  readDashboardData, dashboardViews, categoryColors, revenueTrendView, categoryMixView, topProductsView,
  cohortRetentionView, rfmSegmentsView, regionsView, statusFunnelView, worldMapView, deliveryDaysView, topCustomersView,
  tierMixView, type DashboardData,
} from './views';
export { exportMartTables } from '../mart/export';
