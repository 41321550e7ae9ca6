/**
 * The dashboard's views: which mart table each reads and the vega-lite spec that draws it. Notebook 07
 * builds the same views cell by cell; `writeDashboard` puts them in one HTML file.
 *
 * The views talk to each other through two vega signals the page wires up:
 *   - dragging on the revenue trend (interval selection `brush`) sets `range` in the category mix and
 *     recomputes the KPI tiles for those days;
 *   - clicking a category (point selection `pick`) sets `category` in top products;
 *   - clicking a country on the map (point selection `country_pick`) sets `country` in the delivery-days,
 *     top-customers and tier views.
 */
import fs from 'node:fs';
import type { Warehouse } from '../warehouse/adapter';
import { OrderHeError } from '../core/errors';
import { toRows, type Rows } from '../core/rows';
import { mapConcurrently, settleAll } from '../core/concurrency';
import { barChart, chart, heatmapChart, moneyFormat, moneyTitle, PALETTE, setChartCurrency, type KpiTile, type VegaLiteSpec } from './specs';

/** The mart rows the dashboard draws, read once. */
export interface DashboardData {
  daily: Rows;
  categoryMonth: Rows;
  cohorts: Rows;
  segments: Rows;
  topProducts: Rows;
  regions: Rows;
  funnel: Rows;
  /** Orders, revenue, fees and units per destination country (mart.orders). */
  countries: Rows;
  /** Delivered orders per country, zone and delivery days (mart.orders). */
  deliveries: Rows;
  /** The 12 best customers of each country by order revenue (mart.orders). */
  topCustomers: Rows;
  /** Orders and revenue per loyalty tier (when ordering) and country (mart.orders). */
  tiers: Rows;
  /** The KPI tiles' daily numbers per destination country (mart.orders), for a picked country. */
  countryDays: Rows;
  /** The shop's currency (ISO 4217), which every money axis, tooltip and tile shows. */
  currency: string;
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
  countries: `SELECT country, MAX(shipping_zone) AS shipping_zone, COUNT(*) AS orders, SUM(CASE WHEN is_sale THEN 1 ELSE 0 END) AS sales_orders,
      COUNT(DISTINCT CASE WHEN is_sale THEN customer_id END) AS customers, SUM(revenue) AS revenue, SUM(CASE WHEN is_sale THEN shipping_fee ELSE 0 END) AS shipping_fees,
      SUM(CASE WHEN is_sale THEN item_count ELSE 0 END) AS products_bought FROM mart.orders GROUP BY country ORDER BY orders DESC, country`,
  deliveries: `SELECT country, shipping_zone, delivery_days, COUNT(*) AS orders FROM mart.orders WHERE delivery_days IS NOT NULL
      GROUP BY country, shipping_zone, delivery_days ORDER BY country, delivery_days`,
  topCustomers: `SELECT customer_id, country, orders, revenue FROM (
      SELECT customer_id, country, COUNT(*) AS orders, SUM(revenue) AS revenue,
             ROW_NUMBER() OVER (PARTITION BY country ORDER BY SUM(revenue) DESC, customer_id) AS country_rank
      FROM mart.orders WHERE is_sale GROUP BY customer_id, country) c WHERE country_rank <= 12 ORDER BY revenue DESC, customer_id`,
  countryDays: `SELECT order_date, country, SUM(revenue) AS revenue, SUM(CASE WHEN is_sale THEN 1 ELSE 0 END) AS sales_orders, COUNT(*) AS orders,
      SUM(CASE WHEN is_sale THEN 0 ELSE 1 END) AS cancelled_orders, SUM(CASE WHEN is_sale THEN item_count ELSE 0 END) AS items_sold
      FROM mart.orders GROUP BY order_date, country ORDER BY country, order_date`,
  tiers: 'SELECT customer_tier, country, COUNT(*) AS orders, SUM(revenue) AS revenue FROM mart.orders GROUP BY customer_tier, country ORDER BY customer_tier, country',
} as const;

export async function readDashboardData(wh: Warehouse): Promise<DashboardData> {
  // The queries are independent reads: on PostgreSQL each runs on its own pooled connection at the same time (five of
  // them scan mart.orders: 2.4 s one after another at 200k orders); PGlite runs them one by one.
  const entries = Object.entries(QUERIES) as [keyof typeof QUERIES, string][];
  const [rows, [{ n }], [{ currency }]] = await settleAll([
    mapConcurrently(entries, entries.length, async ([, sql]) => {
      try {
        return toRows(await wh.query(sql));
      } catch (err) {
        const table = /FROM (mart\.\w+)/.exec(sql)![1];
        throw new OrderHeError(`The dashboard could not read ${table} from ${wh.where}: ${(err as Error).message}`, 'Build the mart first: npm run pipeline -- --from mart', { cause: err });
      }
    }),
    wh.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM mart.customer_rfm'),
    wh.query<{ currency: string | null }>('SELECT MIN(currency) AS currency FROM mart.orders'),
  ] as const);
  const out = Object.fromEntries(entries.map(([key], i) => [key, rows[i]])) as Record<keyof typeof QUERIES, Rows>;
  if (out.daily.length === 0) {
    throw new OrderHeError(`The mart in ${wh.where} is empty (mart.daily_sales has no rows), so there is nothing to draw.`, 'Load the warehouse and build the mart first: npm run pipeline (or notebooks 05 and 06).');
  }
  // Every chart drawn from this data shows the shop's currency (₩ for the ko shop), notebooks' views included.
  setChartCurrency(currency ?? 'USD');
  return { ...out, customers: Number(n), currency: currency ?? 'USD' };
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
  const x = { field: 'order_date', type: 'temporal', scale: { type: 'utc' }, title: 'Order date (shop\'s local day)', axis: { format: '%b %Y', labelOverlap: true, tickCount: 8 } };
  const tooltip = [
    { field: 'order_date', type: 'temporal', scale: { type: 'utc' }, title: 'Day', format: '%a %b %d, %Y', formatType: 'utc' },
    { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), format: moneyFormat('tooltip') },
    { field: 'revenue_7d_avg', type: 'quantitative', title: moneyTitle('7-day average'), format: moneyFormat('tooltip') },
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
          encoding: { y: { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), axis: { format: moneyFormat('axis') } } },
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
        x: { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), axis: { format: moneyFormat('axis'), tickCount: 5 } },
        color: { field: 'category', type: 'nominal', scale: colors, legend: null },
        opacity: { condition: { param: 'pick', value: 1, empty: true }, value: 0.3 },
        tooltip: [
          { field: 'category', type: 'nominal', title: 'Category' },
          { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), format: moneyFormat('tooltip') },
          { field: 'margin', type: 'quantitative', title: moneyTitle('Margin'), format: moneyFormat('tooltip') },
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
        x: { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), axis: { format: moneyFormat('axis'), tickCount: 5 } },
        color: { field: 'category', type: 'nominal', scale: colors, title: 'Category', legend: null },
        tooltip: [
          { field: 'name', type: 'nominal', title: 'Product' },
          { field: 'category', type: 'nominal', title: 'Category' },
          { field: 'brand', type: 'nominal', title: 'Brand' },
          { field: 'revenue_rank', type: 'quantitative', title: 'Rank (all products)' },
          { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), format: moneyFormat('tooltip') },
          { field: 'margin', type: 'quantitative', title: moneyTitle('Margin'), format: moneyFormat('tooltip') },
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

/** ISO 3166-1 numeric codes (world-atlas's feature ids) of the countries the shops ship to. */
const ISO_NUMERIC: Record<string, string> = {
  US: '840', CA: '124', MX: '484', GB: '826', DE: '276', FR: '250', AU: '036', JP: '392', BR: '076', KR: '410',
  CN: '156', TW: '158', VN: '704', SG: '702',
};
const ZONES = { domain: ['domestic', 'near', 'international', 'far'], range: PALETTE.slice(0, 4) };

/** The world's countries as TopoJSON (the world-atlas package, 1:110m), inlined so the page stays offline. */
let world: unknown;
function worldTopology(): unknown {
  world ??= JSON.parse(fs.readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8'));
  return world;
}

/** Orders per destination country on a world map; click a country to filter the delivery, customer and tier views. */
export function worldMapView(data: DashboardData): VegaLiteSpec {
  const rows = data.countries.map((r) => ({ ...r, id: ISO_NUMERIC[String(r.country)] ?? '' }));
  return chart(
    {
      title: { text: 'Orders by country', subtitle: 'Where the orders ship; click a country to filter the tiles, delivery days, top customers and tiers' },
      width: 520,
      height: 300,
      data: { values: worldTopology(), format: { type: 'topojson', feature: 'countries' } },
      projection: { type: 'equalEarth' },
      transform: [{ lookup: 'id', from: { data: { values: rows }, key: 'id', fields: ['country', 'shipping_zone', 'orders', 'customers', 'revenue', 'shipping_fees', 'products_bought'] } }],
      params: [{ name: 'country_pick', select: { type: 'point', fields: ['country'] } }],
      // invalid: null keeps the countries the shop does not ship to (no orders): they draw grey instead of vanishing.
      mark: { type: 'geoshape', stroke: 'white', strokeWidth: 0.5, cursor: 'pointer', invalid: null },
      encoding: {
        color: { condition: { test: '!datum.orders', value: '#e6e9ee' }, field: 'orders', type: 'quantitative', scale: { type: 'log', scheme: 'blues' }, title: 'Orders' },
        opacity: { condition: { param: 'country_pick', value: 1, empty: true }, value: 0.35 },
        tooltip: [
          { field: 'country', type: 'nominal', title: 'Country' },
          { field: 'shipping_zone', type: 'nominal', title: 'Zone' },
          { field: 'orders', type: 'quantitative', title: 'Orders', format: ',d' },
          { field: 'customers', type: 'quantitative', title: 'Customers', format: ',d' },
          { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), format: moneyFormat('tooltip') },
          { field: 'shipping_fees', type: 'quantitative', title: moneyTitle('Shipping fees'), format: moneyFormat('tooltip') },
          { field: 'products_bought', type: 'quantitative', title: 'Products bought', format: ',d' },
        ],
      },
    },
  );
}

/** How many days delivered orders took from shipped to delivered, stacked by zone (signal `country` filters). */
export function deliveryDaysView(data: DashboardData): VegaLiteSpec {
  return chart(
    {
      title: { text: 'Delivery days by zone', subtitle: 'Delivered orders by days from shipped to delivered; farther zones take longer, a few parcels run late' },
      width: 420,
      height: 240,
      params: [{ name: 'country', value: null }],
      transform: [{ filter: '!country || datum.country === country' }],
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'delivery_days', type: 'ordinal', title: 'Delivery days', axis: { labelAngle: 0 } },
        y: { field: 'orders', type: 'quantitative', aggregate: 'sum', stack: 'zero', title: 'Delivered orders', axis: { format: ',d' } },
        color: { field: 'shipping_zone', type: 'nominal', scale: ZONES, title: 'Zone' },
        order: { field: 'shipping_zone', sort: 'ascending' },
        tooltip: [
          { field: 'shipping_zone', type: 'nominal', title: 'Zone' },
          { field: 'delivery_days', type: 'ordinal', title: 'Days' },
          { field: 'orders', type: 'quantitative', aggregate: 'sum', title: 'Orders', format: ',d' },
        ],
      },
    },
    data.deliveries,
  );
}

/** The best customers by order revenue, of the picked country when one is picked (signal `country`). */
export function topCustomersView(data: DashboardData, shown = 12): VegaLiteSpec {
  return chart(
    {
      title: { text: 'Top customers', subtitle: `Top ${shown} by order revenue (sales orders, all dates)` },
      width: 420,
      height: shown * 22,
      params: [{ name: 'country', value: null }],
      transform: [
        { filter: '!country || datum.country === country' },
        { window: [{ op: 'row_number', as: 'shown_rank' }], sort: [{ field: 'revenue', order: 'descending' }] },
        { filter: `datum.shown_rank <= ${shown}` },
        { calculate: "'Customer ' + datum.customer_id + ' · ' + datum.country", as: 'customer' },
      ],
      mark: { type: 'bar', cornerRadiusEnd: 2, color: PALETTE[0] },
      encoding: {
        y: { field: 'customer', type: 'nominal', sort: '-x', title: null },
        x: { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), axis: { format: moneyFormat('axis'), tickCount: 5 } },
        tooltip: [
          { field: 'customer_id', type: 'nominal', title: 'Customer' },
          { field: 'country', type: 'nominal', title: 'Country' },
          { field: 'orders', type: 'quantitative', title: 'Orders', format: ',d' },
          { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), format: moneyFormat('tooltip') },
        ],
      },
    },
    data.topCustomers,
  );
}

/** Orders and order revenue per loyalty tier the customer had when ordering (signal `country` filters). */
export function tierMixView(data: DashboardData): VegaLiteSpec {
  return chart(
    {
      title: { text: 'Loyalty tiers', subtitle: 'Order revenue by the tier customers had when ordering (from their earlier spend)' },
      width: 420,
      height: 170,
      params: [{ name: 'country', value: null }],
      transform: [
        { filter: '!country || datum.country === country' },
        { aggregate: [{ op: 'sum', field: 'orders', as: 'orders' }, { op: 'sum', field: 'revenue', as: 'revenue' }], groupby: ['customer_tier'] },
      ],
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        y: { field: 'customer_tier', type: 'nominal', sort: ['bronze', 'silver', 'gold', 'platinum'], title: null },
        x: { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), axis: { format: moneyFormat('axis'), tickCount: 5 } },
        color: { field: 'customer_tier', type: 'nominal', scale: { domain: ['bronze', 'silver', 'gold', 'platinum'], range: ['#b08d57', '#a8a9ad', '#d4af37', '#6f7c8c'] }, legend: null },
        tooltip: [
          { field: 'customer_tier', type: 'nominal', title: 'Tier' },
          { field: 'orders', type: 'quantitative', title: 'Orders', format: ',d' },
          { field: 'revenue', type: 'quantitative', title: moneyTitle('Revenue'), format: moneyFormat('tooltip') },
        ],
      },
    },
    data.tiers,
  );
}

/** Every view of the dashboard, by the id its panel has in the page. */
export function dashboardViews(data: DashboardData): Record<string, VegaLiteSpec> {
  return {
    trend: revenueTrendView(data),
    map: worldMapView(data),
    deliveries: deliveryDaysView(data),
    categories: categoryMixView(data),
    products: topProductsView(data),
    cohorts: cohortRetentionView(data),
    segments: rfmSegmentsView(data),
    regions: regionsView(data),
    funnel: statusFunnelView(data),
    customers: topCustomersView(data),
    tiers: tierMixView(data),
  };
}
