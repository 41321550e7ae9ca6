/**
 * The dashboard's views: which mart table each reads and the vega-lite spec that draws it. Notebook 07
 * builds the same views cell by cell; `writeDashboard` puts them in one HTML file.
 *
 * The views talk to each other through two vega signals the page wires up:
 *   - dragging on the revenue trend (interval selection `brush`) sets `range` in the category mix and
 *     recomputes the KPI tiles for those days;
 *   - clicking a category (point selection `pick`) sets `category` in top products.
 */
import type { Warehouse } from '../warehouse/adapter';
import { OrderHeError } from '../core/errors';
import { toRows, type Rows } from '../core/rows';
import { barChart, chart, heatmapChart, PALETTE, type KpiTile, type VegaLiteSpec } from './specs';

/** The mart rows the dashboard draws, read once. */
export interface DashboardData {
  daily: Rows;
  categoryMonth: Rows;
  cohorts: Rows;
  segments: Rows;
  topProducts: Rows;
  regions: Rows;
  funnel: Rows;
  /** Customers who bought at least once (the mart's RFM table has one row each). */
  customers: number;
}

/** Mart tables in the order the views use them; each query is a constant (no user text). */
const QUERIES = {
  daily: 'SELECT order_date, orders, sales_orders, cancelled_orders, revenue, average_order_value, items_sold, customers, revenue_7d_avg FROM mart.daily_sales ORDER BY order_date',
  categoryMonth: 'SELECT month_start, category, orders, units, revenue, cost, margin, margin_pct FROM mart.category_month ORDER BY month_start, category',
  cohorts: 'SELECT cohort_month, month_number, customers, cohort_size, retention_rate FROM mart.cohort_retention ORDER BY cohort_month, month_number',
  segments: 'SELECT rfm_segment, customers, customer_share, revenue, revenue_share, avg_recency_days, avg_frequency FROM mart.rfm_segments ORDER BY customers DESC',
  topProducts: 'SELECT revenue_rank, product_id, sku, name, category, brand, orders, units, revenue, margin FROM mart.top_products ORDER BY revenue_rank',
  regions: 'SELECT ship_country, ship_region, orders, sales_orders, customers, revenue, average_order_value, revenue_share FROM mart.sales_by_region ORDER BY revenue DESC',
  funnel: 'SELECT step, status, orders_reached, share_of_placed, orders_now, avg_hours_from_placed FROM mart.status_funnel ORDER BY step',
} as const;

export async function readDashboardData(wh: Warehouse): Promise<DashboardData> {
  const out: Partial<Record<keyof typeof QUERIES, Rows>> = {};
  for (const [key, sql] of Object.entries(QUERIES) as [keyof typeof QUERIES, string][]) {
    try {
      out[key] = toRows(await wh.query(sql));
    } catch (err) {
      const table = /FROM (mart\.\w+)/.exec(sql)![1];
      throw new OrderHeError(`The dashboard could not read ${table} from ${wh.where}: ${(err as Error).message}`, 'Build the mart first: npm run pipeline -- --from mart', { cause: err });
    }
  }
  if (out.daily!.length === 0) {
    throw new OrderHeError(`The mart in ${wh.where} is empty (mart.daily_sales has no rows), so there is nothing to draw.`, 'Load the warehouse and build the mart first: npm run pipeline (or notebooks 05 and 06).');
  }
  const [{ n }] = await wh.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM mart.customer_rfm');
  return { ...(out as Record<keyof typeof QUERIES, Rows>), customers: Number(n) };
}

/**
 * The four headline numbers over every day in the mart, as KPI tiles (kpiTiles draws them): revenue and orders
 * count sales orders only (core.fct_orders.revenue_amount's rule), the same sums the dashboard page shows
 * before a date range is picked.
 */
export function headlineKpis(data: DashboardData): KpiTile[] {
  const revenue = data.daily.reduce((s, d) => s + Number(d.revenue), 0);
  const salesOrders = data.daily.reduce((s, d) => s + Number(d.sales_orders), 0);
  return [
    { label: 'Revenue', value: revenue, format: 'currency', note: `${data.daily.length} days` },
    { label: 'Orders', value: salesOrders, format: 'integer', note: 'not cancelled or refunded' },
    { label: 'Average order', value: salesOrders ? revenue / salesOrders : 0, format: 'currency' },
    { label: 'Customers', value: data.customers, format: 'integer', note: 'bought at least once' },
  ];
}

/** Categories sorted by revenue, so every view colours a category the same way. */
export function categoryColors(data: DashboardData): { domain: string[]; range: string[] } {
  const totals = new Map<string, number>();
  for (const r of data.categoryMonth) totals.set(String(r.category), (totals.get(String(r.category)) ?? 0) + Number(r.revenue));
  const domain = [...totals].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  return { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]) };
}

/** Revenue per day with its 7-day average; drag to pick a date range (the `brush` selection). */
export function revenueTrendView(data: DashboardData): VegaLiteSpec {
  const x = { field: 'order_date', type: 'temporal', scale: { type: 'utc' }, title: 'Order date (UTC)', axis: { format: '%b %Y', labelOverlap: true, tickCount: 8 } };
  const tooltip = [
    { field: 'order_date', type: 'temporal', scale: { type: 'utc' }, title: 'Day', format: '%a %b %d, %Y', formatType: 'utc' },
    { field: 'revenue', type: 'quantitative', title: 'Revenue (USD)', format: '$,.2f' },
    { field: 'revenue_7d_avg', type: 'quantitative', title: '7-day average (USD)', format: '$,.2f' },
    { field: 'sales_orders', type: 'quantitative', title: 'Orders' },
  ];
  return chart(
    {
      title: { text: 'Revenue per day', subtitle: ['Light area: revenue of each day · dark line: its 7-day average', 'Drag across the chart to pick a date range; double-click to clear'] },
      width: 1080,
      height: 240,
      encoding: { x },
      layer: [
        {
          mark: { type: 'area', color: PALETTE[0], opacity: 0.2 },
          encoding: { y: { field: 'revenue', type: 'quantitative', title: 'Revenue (USD)', axis: { format: '$,.0f' } } },
          params: [{ name: 'brush', select: { type: 'interval', encodings: ['x'] } }],
        },
        { mark: { type: 'line', color: PALETTE[0], strokeWidth: 2 }, encoding: { y: { field: 'revenue_7d_avg', type: 'quantitative' } } },
        { mark: { type: 'rule', opacity: 0, strokeWidth: 6 }, encoding: { tooltip } },
      ],
    },
    data.daily,
  );
}

/** Revenue and margin per category within the picked dates (signal `range`); click a bar to pick a category. */
export function categoryMixView(data: DashboardData): VegaLiteSpec {
  const colors = categoryColors(data);
  return chart(
    {
      title: { text: 'Category mix', subtitle: 'Revenue by category in the picked dates; click a bar to filter top products' },
      width: 420,
      height: Math.max(160, colors.domain.length * 26),
      params: [
        { name: 'range', value: null },
        { name: 'pick', select: { type: 'point', fields: ['category'] } },
      ],
      transform: [
        // A month counts when it overlaps the picked range (range holds two instants in ms).
        { filter: '!range || (time(toDate(datum.month_start)) <= time(range[1]) && time(toDate(datum.month_start)) + 31 * 864e5 > time(range[0]))' },
        { aggregate: [{ op: 'sum', field: 'revenue', as: 'revenue' }, { op: 'sum', field: 'margin', as: 'margin' }, { op: 'sum', field: 'units', as: 'units' }], groupby: ['category'] },
        { calculate: 'datum.revenue > 0 ? datum.margin / datum.revenue : 0', as: 'margin_pct' },
      ],
      mark: { type: 'bar', cornerRadiusEnd: 2, cursor: 'pointer' },
      encoding: {
        y: { field: 'category', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 200 } },
        x: { field: 'revenue', type: 'quantitative', title: 'Revenue (USD)', axis: { format: '$,.0f', tickCount: 5 } },
        color: { field: 'category', type: 'nominal', scale: colors, legend: null },
        opacity: { condition: { param: 'pick', value: 1, empty: true }, value: 0.3 },
        tooltip: [
          { field: 'category', type: 'nominal', title: 'Category' },
          { field: 'revenue', type: 'quantitative', title: 'Revenue (USD)', format: '$,.2f' },
          { field: 'margin', type: 'quantitative', title: 'Margin (USD)', format: '$,.2f' },
          { field: 'margin_pct', type: 'quantitative', title: 'Margin %', format: '.1%' },
          { field: 'units', type: 'quantitative', title: 'Units', format: ',d' },
        ],
      },
    },
    data.categoryMonth,
  );
}

/** The best-selling products, of the picked category when one is picked (signal `category`). */
export function topProductsView(data: DashboardData, shown = 12): VegaLiteSpec {
  const colors = categoryColors(data);
  return chart(
    {
      title: { text: 'Top products', subtitle: `Top ${shown} by revenue (sales orders, all dates); filtered by the picked category` },
      width: 420,
      height: shown * 22,
      params: [{ name: 'category', value: null }],
      transform: [
        { filter: '!category || datum.category === category' },
        { window: [{ op: 'row_number', as: 'shown_rank' }], sort: [{ field: 'revenue', order: 'descending' }] },
        { filter: `datum.shown_rank <= ${shown}` },
      ],
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        y: { field: 'name', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 220 } },
        x: { field: 'revenue', type: 'quantitative', title: 'Revenue (USD)', axis: { format: '$,.0f', tickCount: 5 } },
        color: { field: 'category', type: 'nominal', scale: colors, title: 'Category', legend: null },
        tooltip: [
          { field: 'name', type: 'nominal', title: 'Product' },
          { field: 'category', type: 'nominal', title: 'Category' },
          { field: 'brand', type: 'nominal', title: 'Brand' },
          { field: 'revenue_rank', type: 'quantitative', title: 'Rank (all products)' },
          { field: 'revenue', type: 'quantitative', title: 'Revenue (USD)', format: '$,.2f' },
          { field: 'margin', type: 'quantitative', title: 'Margin (USD)', format: '$,.2f' },
          { field: 'units', type: 'quantitative', title: 'Units', format: ',d' },
        ],
      },
    },
    data.topProducts,
  );
}

/** Share of each monthly cohort still buying N months later (first 12 months). */
export function cohortRetentionView(data: DashboardData, months = 12): VegaLiteSpec {
  return heatmapChart(
    data.cohorts.filter((r) => Number(r.month_number) <= months),
    {
      title: 'Cohort retention',
      subtitle: 'Share of each first-order month’s customers who bought again N months later',
      x: 'month_number',
      y: 'cohort_month',
      value: 'retention_rate',
      valueFormat: 'percent',
      xTitle: 'Months since first order',
      yTitle: 'Cohort (first order month)',
      valueTitle: 'Retention',
      labels: true,
      // Leaves room for the legend inside a half-width panel.
      width: 380,
    },
  );
}

/** Customers per RFM segment, with the revenue share each brings. */
export function rfmSegmentsView(data: DashboardData): VegaLiteSpec {
  return barChart(data.segments, {
    title: 'RFM segments',
    subtitle: `${data.customers.toLocaleString('en-US')} customers by recency, frequency and spend`,
    x: 'rfm_segment',
    y: 'customers',
    xTitle: 'Segment',
    yTitle: 'Customers',
    yFormat: 'integer',
    horizontal: true,
    width: 420,
    tooltip: [
      { field: 'customer_share', title: 'Share of customers', format: 'percent' },
      { field: 'revenue', title: 'Revenue', format: 'currency' },
      { field: 'revenue_share', title: 'Share of revenue', format: 'percent' },
      { field: 'avg_frequency', title: 'Orders per customer', format: 'number' },
      { field: 'avg_recency_days', title: 'Days since last order', format: 'number' },
    ],
  });
}

/** Revenue per shipping region (the ten biggest). */
export function regionsView(data: DashboardData): VegaLiteSpec {
  return barChart(data.regions.slice(0, 10), {
    title: 'Sales by region',
    subtitle: 'Top 10 shipping regions by revenue',
    x: 'ship_region',
    y: 'revenue',
    xTitle: 'Region',
    yTitle: 'Revenue',
    yFormat: 'currency',
    horizontal: true,
    width: 420,
    tooltip: [
      { field: 'ship_country', title: 'Country' },
      { field: 'sales_orders', title: 'Orders', format: 'integer' },
      { field: 'average_order_value', title: 'Average order', format: 'currency' },
      { field: 'revenue_share', title: 'Share of revenue', format: 'percent' },
    ],
  });
}

/** How far orders get: placed, paid, shipped, delivered (and how many are cancelled or refunded). */
export function statusFunnelView(data: DashboardData): VegaLiteSpec {
  return barChart(data.funnel, {
    title: 'Order status funnel',
    subtitle: 'Share of placed orders that reached each status',
    x: 'status',
    y: 'share_of_placed',
    xTitle: 'Status',
    yTitle: 'Share of placed orders',
    yFormat: 'percent',
    horizontal: true,
    sort: 'none',
    width: 420,
    tooltip: [
      { field: 'orders_reached', title: 'Orders', format: 'integer' },
      { field: 'orders_now', title: 'Orders with this status now', format: 'integer' },
      { field: 'avg_hours_from_placed', title: 'Hours after placing', format: 'number' },
    ],
  });
}

/** Every view of the dashboard, by the id its panel has in the page. */
export function dashboardViews(data: DashboardData): Record<string, VegaLiteSpec> {
  return {
    trend: revenueTrendView(data),
    categories: categoryMixView(data),
    products: topProductsView(data),
    cohorts: cohortRetentionView(data),
    segments: rfmSegmentsView(data),
    regions: regionsView(data),
    funnel: statusFunnelView(data),
  };
}
