/**
 * The answers each exercise's check is tested with: for every exercise, the mistakes a learner makes (each must
 * fail the check) and a correct answer written differently from the notebook's solution (it must pass).
 * The notebook's own solution is checked by executing the notebooks (notebooks.test.ts).
 */
type Row = Record<string, unknown>;

export const ex01_1 = {
  wrong: {
    'sorted smallest first': (items: Row[], products: Row[]) => right01_1(items, products).reverse(),
    'revenue as quantity × unit price, ignoring the line discount': (items: Row[], products: Row[]) => {
      const cat = new Map(products.map((p) => [Number(p.product_id), String(p.category)]));
      const sum = new Map<string, number>();
      for (const i of items) sum.set(cat.get(Number(i.product_id))!, (sum.get(cat.get(Number(i.product_id))!) ?? 0) + Number(i.quantity) * Number(i.unit_price));
      return [...sum].map(([category, revenue]) => ({ category, revenue })).sort((a, b) => b.revenue - a.revenue);
    },
  },
  right: {
    'reduce into an object, unrounded floats': (items: Row[], products: Row[]) => right01_1(items, products),
  },
};

function right01_1(items: Row[], products: Row[]) {
  const byId: Record<string, string> = {};
  for (const p of products) byId[String(p.product_id)] = String(p.category);
  const totals = items.reduce<Record<string, number>>((acc, i) => {
    const c = byId[String(i.product_id)];
    acc[c] = (acc[c] ?? 0) + Number(i.line_amount);
    return acc;
  }, {});
  return Object.keys(totals).map((category) => ({ category, revenue: totals[category] })).sort((a, b) => b.revenue - a.revenue);
}

export const ex01_2 = {
  wrong: {
    'months on x, category as colour': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'month', type: 'ordinal' }, y: { field: 'revenue', type: 'quantitative', axis: { format: '$,.0f' } }, color: { field: 'category', type: 'nominal' } } }),
    'the measure typed as nominal': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'category', type: 'nominal' }, y: { field: 'revenue', type: 'nominal' } } }),
    'no currency format on the money axis': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'category', type: 'nominal' }, y: { field: 'revenue', type: 'quantitative' } } }),
  },
  right: {
    'horizontal, mark as an object, summed by vega-lite': (rows: Row[]) => ({ data: { values: rows }, mark: { type: 'bar' }, encoding: { y: { field: 'category', type: 'nominal', sort: '-x' }, x: { field: 'revenue', type: 'quantitative', aggregate: 'sum', axis: { format: '$,.2f' } } } }),
  },
};

export const ex02_1 = {
  wrong: {
    'an inner join cannot find a missing order': 'SELECT c.customer_id FROM customers c JOIN orders o ON o.customer_id = c.customer_id WHERE o.order_id IS NULL',
    'cancelled orders taken as no order': "SELECT customer_id FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders WHERE status <> 'cancelled')",
    'the buyers instead of the others': 'SELECT DISTINCT customer_id FROM orders',
  },
  right: { 'a LEFT JOIN keeping the unmatched': 'SELECT c.customer_id FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id WHERE o.order_id IS NULL' },
};

export const ex02_2 = {
  wrong: {
    'the first history row, not the latest': `SELECT o.order_id FROM orders o WHERE o.status <> (SELECT h.status FROM order_status_history h WHERE h.order_id = o.order_id ORDER BY h.changed_at, h.status_history_id LIMIT 1)`,
    'MAX(changed_at) without the tie-break': `SELECT o.order_id FROM orders o
      JOIN (SELECT order_id, MAX(changed_at) AS last_at FROM order_status_history GROUP BY order_id) m ON m.order_id = o.order_id
      JOIN order_status_history h ON h.order_id = o.order_id AND h.changed_at = m.last_at
      WHERE h.status <> o.status`,
  },
  right: {
    'a window function': `SELECT order_id FROM (
        SELECT o.order_id, o.status, h.status AS last_status,
               ROW_NUMBER() OVER (PARTITION BY h.order_id ORDER BY h.changed_at DESC, h.status_history_id DESC) AS rn
        FROM orders o JOIN order_status_history h ON h.order_id = o.order_id) ranked
      WHERE rn = 1 AND last_status <> status`,
  },
};

export const ex03_1 = {
  wrong: {
    'one order per line (an order with two bad lines counted twice)': (lines: Row[], orders: Row[]) => lines.map((l) => orders.find((o) => Number(o.order_id) === Number(l.order_id))!).filter(Boolean),
    'the orders without bad lines': (lines: Row[], orders: Row[]) => { const ids = new Set(lines.map((l) => Number(l.order_id))); return orders.filter((o) => !ids.has(Number(o.order_id))); },
  },
  right: { 'a Map of orders by id, looked up once per distinct id': (lines: Row[], orders: Row[]) => { const byId = new Map(orders.map((o) => [String(o.order_id), o])); return [...new Set(lines.map((l) => String(l.order_id)))].map((id) => byId.get(id)!).filter(Boolean); } },
};

export const ex03_2 = {
  wrong: {
    'drops the orders of duplicates': (orders: Row[], replacedBy: Map<number, number>) => orders.filter((o) => !replacedBy.has(Number(o.customer_id))),
    'no fallback: every other order loses its customer': (orders: Row[], replacedBy: Map<number, number>) => orders.map((o) => ({ ...o, customer_id: replacedBy.get(Number(o.customer_id)) })),
  },
  right: { 'a loop building new rows': (orders: Row[], replacedBy: Map<number, number>) => { const out: Row[] = []; for (const o of orders) { const id = Number(o.customer_id); out.push(Object.assign({}, o, { customer_id: replacedBy.has(id) ? replacedBy.get(id) : id })); } return out; } },
};

export const ex04_1 = {
  wrong: {
    'updated_at only: loses the rows of the watermark millisecond': 'updated_at > :updatedAt',
    '>= copies the watermark millisecond again': 'updated_at >= :updatedAt',
    'both parts larger (an older order that changed is lost)': 'updated_at > :updatedAt AND order_id > :key',
  },
  right: { 'spelled out, as the extract sends it': 'updated_at > :updatedAt OR (updated_at = :updatedAt AND order_id > :key)' },
};

type RunSummary = { prefix: string; lineage: string; kind: 'full' | 'incremental' };
export const ex04_2 = {
  wrong: {
    'every run, no lineage filter': (runs: RunSummary[], lineage: string) => { const out: string[] = []; for (const r of runs) { if (r.kind === 'full') out.length = 0; out.push(r.prefix); } void lineage; return out; },
    'every run of the lineage, no restart at a full run': (runs: RunSummary[], lineage: string) => runs.filter((r) => r.lineage === lineage).map((r) => r.prefix),
  },
  right: { 'from the last full run on, by index': (runs: RunSummary[], lineage: string) => { const mine = runs.filter((r) => r.lineage === lineage); const last = mine.map((r) => r.kind).lastIndexOf('full'); return mine.slice(last < 0 ? 0 : last).map((r) => r.prefix); } },
};

export const ex05_1 = {
  wrong: {
    'the wrong REGION': (w: CopyWant) => copyOf(w, { region: 'us-west-2' }),
    'FROM a part instead of the manifest': (w: CopyWant) => copyOf(w, { from: `s3://${w.bucket}/${w.manifestKey.replace('manifest.json', 'part-00000.csv.gz')}` }).replace(' MANIFEST', ''),
    'the orders manifest': (w: CopyWant) => copyOf(w, { from: `s3://${w.bucket}/${w.manifestKey.replace('/customers/', '/orders/')}` }),
    'NULL AS N (the backslash lost in a template string)': (w: CopyWant) => copyOf(w, {}).replace("'\\N'", "'N'"),
  },
  right: {
    'unquoted, lower case, options in another order, a semicolon': (w: CopyWant) => `copy staging.customers (${w.columns.join(', ')})
      from 's3://${w.bucket}/${w.manifestKey}'
      region '${w.region}' iam_role '${w.iamRole}'
      csv gzip ignoreheader as 1 manifest null as '\\N' timeformat as 'auto';`,
  },
};

export interface CopyWant { table: string; columns: string[]; bucket: string; manifestKey: string; iamRole: string; region: string }
function copyOf(w: CopyWant, o: { region?: string; from?: string }) {
  return [
    `COPY "staging"."customers" (${w.columns.map((c) => `"${c}"`).join(', ')})`,
    `FROM '${o.from ?? `s3://${w.bucket}/${w.manifestKey}`}'`,
    `IAM_ROLE '${w.iamRole}'`,
    "FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 NULL AS '\\N' TIMEFORMAT 'auto'",
    `REGION '${o.region ?? w.region}'`,
  ].join('\n');
}

type Manifest = { entries: { url: string; mandatory: boolean; meta: { content_length: number; record_count: number } }[] };
type Obj = { url: string; bytes: number };
export const ex05_2 = {
  wrong: {
    'only checks that each object exists': (m: Manifest, objects: Obj[]) => { const have = new Set(objects.map((o) => o.url)); return m.entries.filter((e) => !have.has(e.url)).map((e) => e.url); },
    'checks sizes but not duplicates or mandatory': (m: Manifest, objects: Obj[]) => { const size = new Map(objects.map((o) => [o.url, o.bytes])); return m.entries.filter((e) => size.get(e.url) !== e.meta.content_length).map((e) => e.url); },
  },
  right: {
    'counts per url, then one pass': (m: Manifest, objects: Obj[]) => {
      const listed = new Map<string, number>();
      for (const e of m.entries) listed.set(e.url, (listed.get(e.url) ?? 0) + 1);
      const bad = new Set<string>();
      for (const e of m.entries) {
        const o = objects.find((x) => x.url === e.url);
        if (!o || o.bytes !== e.meta.content_length || listed.get(e.url)! > 1 || !e.mandatory) bad.add(e.url);
      }
      return [...bad];
    },
  },
};

export const ex06_1 = {
  wrong: {
    'revenue must equal the total on every row': 'SELECT order_id FROM core.fct_orders WHERE revenue_amount <> total_amount',
    'only the sales half of the rule': 'SELECT order_id FROM core.fct_orders WHERE is_sale AND revenue_amount <> total_amount',
  },
  right: { 'both halves spelled out': 'SELECT order_id FROM core.fct_orders WHERE (is_sale AND revenue_amount <> total_amount) OR (NOT is_sale AND revenue_amount <> 0)' },
};

export const ex06_2 = {
  wrong: {
    'SUM(orders) counts cancelled orders as sales': "SELECT CAST(DATE_TRUNC('week', order_date) AS DATE) AS week_start, SUM(revenue) AS revenue, SUM(orders) AS sales_orders FROM mart.daily_sales GROUP BY 1 ORDER BY 1",
    'newest week first': "SELECT CAST(DATE_TRUNC('week', order_date) AS DATE) AS week_start, SUM(revenue) AS revenue, SUM(sales_orders) AS sales_orders FROM mart.daily_sales GROUP BY 1 ORDER BY 1 DESC",
    'weeks starting on Sunday': "SELECT CAST(order_date - CAST(EXTRACT(DOW FROM order_date) AS INTEGER) AS DATE) AS week_start, SUM(revenue) AS revenue, SUM(sales_orders) AS sales_orders FROM mart.daily_sales GROUP BY 1 ORDER BY 1",
  },
  right: { 'ISO weekday arithmetic': 'SELECT order_date - (CAST(EXTRACT(ISODOW FROM order_date) AS INTEGER) - 1) AS week_start, SUM(sales_orders) AS sales_orders, SUM(revenue) AS revenue FROM mart.daily_sales GROUP BY order_date - (CAST(EXTRACT(ISODOW FROM order_date) AS INTEGER) - 1) ORDER BY week_start' },
};

export const ex07_1 = {
  wrong: {
    'months on x, category as colour': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'month_start', type: 'ordinal' }, y: { field: 'margin', type: 'quantitative', aggregate: 'sum', axis: { format: '$,.0f' } }, color: { field: 'category', type: 'nominal' } } }),
    'revenue instead of margin': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'category', type: 'nominal' }, y: { field: 'revenue', type: 'quantitative', aggregate: 'sum', axis: { format: '$,.0f' } } } }),
    'one year only, by a filter transform': (rows: Row[]) => ({ data: { values: rows }, transform: [{ filter: "year(datum.month_start) == 2025" }], mark: 'bar', encoding: { x: { field: 'category', type: 'nominal' }, y: { field: 'margin', type: 'quantitative', aggregate: 'sum', axis: { format: '$,.0f' } } } }),
    'the average month instead of the total': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'category', type: 'nominal' }, y: { field: 'margin', type: 'quantitative', aggregate: 'mean', axis: { format: '$,.0f' } } } }),
  },
  right: {
    'vertical, no aggregate (vega-lite stacks the months into one bar)': (rows: Row[]) => ({ data: { values: rows }, mark: { type: 'bar' }, encoding: { x: { field: 'category', type: 'nominal' }, y: { field: 'margin', type: 'quantitative', axis: { format: '$,.2f' } } } }),
    'summed by an aggregate transform first': (rows: Row[]) => ({ data: { values: rows }, transform: [{ aggregate: [{ op: 'sum', field: 'margin', as: 'margin' }], groupby: ['category'] }], mark: 'bar', encoding: { y: { field: 'category', type: 'nominal' }, x: { field: 'margin', type: 'quantitative', axis: { format: '$,.0f' } } } }),
  },
};

export const ex07_2 = {
  wrong: {
    'the column by its position in this file': (csv: string) => { const [, ...lines] = csv.trim().split('\n'); return lines.reduce((s, l) => s + Number(l.split(',')[7]), 0); },
    'the first column whose name contains revenue': (csv: string, column: string) => { const [header, ...lines] = csv.trim().split('\n'); const at = header.split(',').findIndex((h) => h.includes(column)); return lines.reduce((s, l) => s + Number(l.split(',')[at]), 0); },
  },
  right: { 'rows as objects keyed by the header': (csv: string, column: string) => { const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== ''); const names = lines[0].split(','); return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v]))).reduce((s, r) => s + parseFloat(r[column]), 0); } },
};

export const ex08_1 = {
  wrong: {
    'ordered by the weekday name': 'SELECT day_name, AVG(revenue) AS avg_revenue FROM mart.daily_sales GROUP BY day_name ORDER BY day_name',
    'the sum per weekday, not the average': 'SELECT day_name, SUM(revenue) AS avg_revenue FROM mart.daily_sales GROUP BY day_name ORDER BY 2 DESC',
    'the best weekday only': 'SELECT day_name, AVG(revenue) AS avg_revenue FROM mart.daily_sales GROUP BY day_name ORDER BY avg_revenue DESC LIMIT 1',
  },
  right: { 'rounded, ordered by position': 'SELECT day_name, ROUND(AVG(revenue), 2) AS avg_revenue, COUNT(*) AS days FROM mart.daily_sales GROUP BY 1 ORDER BY 2 DESC' },
};

export const ex08_2 = {
  wrong: {
    'customers counted, not their share': (rows: Row[]) => ({ data: { values: rows }, mark: 'bar', encoding: { x: { field: 'rfm_segment', type: 'nominal' }, y: { field: 'customers', type: 'quantitative', axis: { format: '.0%' } } } }),
    'the five biggest segments only': (rows: Row[]) => ({ data: { values: [...rows].sort((a, b) => Number(b.customer_share) - Number(a.customer_share)).slice(0, 5) }, mark: 'bar', encoding: { x: { field: 'rfm_segment', type: 'nominal' }, y: { field: 'customer_share', type: 'quantitative', axis: { format: '.0%' } } } }),
  },
  right: { 'horizontal, a percent format with decimals': (rows: Row[]) => ({ data: { values: rows }, mark: { type: 'bar' }, encoding: { y: { field: 'rfm_segment', type: 'nominal', sort: '-x' }, x: { field: 'customer_share', type: 'quantitative', axis: { format: '.1%' } } } }) },
};

export const ex08_3 = {
  wrong: {
    'undelivered orders counted as 0 days': 'SELECT country, AVG(COALESCE(delivery_days, 0)) AS avg_days FROM mart.orders GROUP BY country ORDER BY avg_days DESC LIMIT 1',
    'the fastest, not the slowest': 'SELECT country, AVG(delivery_days) AS avg_days FROM mart.orders WHERE delivery_days IS NOT NULL GROUP BY country ORDER BY avg_days LIMIT 1',
    'every country, not the slowest one': 'SELECT country, AVG(delivery_days) AS avg_days FROM mart.orders WHERE delivery_days IS NOT NULL GROUP BY country ORDER BY avg_days DESC',
  },
  right: { 'sum over count, ordered by position': 'SELECT country, CAST(SUM(delivery_days) AS NUMERIC(12,2)) / COUNT(delivery_days) AS avg_days FROM mart.orders GROUP BY 1 ORDER BY 2 DESC LIMIT 1' },
};
