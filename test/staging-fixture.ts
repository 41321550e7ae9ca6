/**
 * A small, deterministic shop written straight into staging, the way the warehouse load leaves it:
 * staging.<table> holds exactly the pending runs' rows and staging.pending_runs lists those runs.
 * Lets the model and quality tests run without the generator, the source and the lake.
 */
import type { Warehouse } from '../lib/warehouse/adapter';
import { createCoreTables } from '../lib/warehouse/core-merge';
import { SOURCE_TABLES, type SourceTable } from '../lib/lake/format';

export type Row = Record<string, string | number | null>;
export type Shop = Record<SourceTable, Row[]>;

const STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'delivered', 'delivered', 'cancelled', 'refunded'];
const REGIONS = ['North', 'South', 'East', 'West'];
const CATEGORIES = ['Books', 'Garden', 'Toys', 'Kitchen'];

/** Park–Miller: the same seed gives the same shop on every machine. */
function random(seed: number) {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

export const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00');
const money = (cents: number) => (cents / 100).toFixed(2);
const DAY = 86_400_000;

export interface ShopOptions { seed?: number; customers?: number; products?: number; orders?: number; start?: string; days?: number; firstOrderId?: number }

export function emptyShop(): Shop {
  return Object.fromEntries(SOURCE_TABLES.map((t) => [t, []])) as unknown as Shop;
}

/** A shop's first full extract: customers, products, orders over `days` days with items, payments and history. */
export function smallShop(o: ShopOptions = {}): Shop {
  const rnd = random(o.seed ?? 1);
  const start = Date.parse(o.start ?? '2025-01-01T00:00:00Z');
  const shop = emptyShop();
  for (let c = 1; c <= (o.customers ?? 40); c++) {
    const at = ts(start - DAY * (1 + Math.floor(rnd() * 30)));
    shop.customers.push({ customer_id: c, email: `c${c}@example.com`, first_name: `First${c}`, last_name: `Last${c}`, phone: null, city: 'Town', region: REGIONS[c % 4], country: 'US', signup_channel: ['web', 'app', 'store'][c % 3], created_at: at, updated_at: at });
  }
  for (let p = 1; p <= (o.products ?? 12); p++) {
    const price = 500 + Math.floor(rnd() * 5000);
    shop.products.push({ product_id: p, sku: `SKU-${p}`, name: `Product ${p}`, category: CATEGORIES[p % 4], brand: 'Acme', weight_grams: 100 * (1 + (p % 7)), price: money(price), cost: money(Math.floor(price * 0.6)), is_active: 1, created_at: ts(start - 40 * DAY), updated_at: ts(start - 40 * DAY) });
  }
  addOrders(shop, rnd, { first: o.firstOrderId ?? 1, count: o.orders ?? 200, start, days: o.days ?? 60, customers: shop.customers.length, products: shop.products.length });
  return shop;
}

function addOrders(shop: Shop, rnd: () => number, o: { first: number; count: number; start: number; days: number; customers: number; products: number }) {
  for (let id = o.first; id < o.first + o.count; id++) {
    const at = o.start + Math.floor(rnd() * o.days * DAY);
    const customer = 1 + Math.floor(rnd() * o.customers);
    const status = STATUSES[Math.floor(rnd() * STATUSES.length)];
    let items = 0, discount = 0;
    const lines = 1 + Math.floor(rnd() * 3);
    for (let l = 0; l < lines; l++) {
      const product = 1 + Math.floor(rnd() * o.products);
      const price = Math.round(Number(shop.products[product - 1]?.price ?? 10) * 100);
      const qty = 1 + Math.floor(rnd() * 3);
      const disc = rnd() < 0.2 ? 100 : 0;
      items += qty * price; discount += disc;
      shop.order_items.push({ order_item_id: id * 10 + l, order_id: id, product_id: product, quantity: qty, unit_price: money(price), discount_amount: money(disc), line_amount: money(qty * price - disc), created_at: ts(at), updated_at: ts(at) });
    }
    const shipping = 499;
    const total = items - discount + shipping;
    const updated = status === 'placed' ? at : at + DAY;
    shop.orders.push({ order_id: id, customer_id: customer, status, ordered_at: ts(at), currency: 'USD', ship_city: 'Town', ship_region: REGIONS[customer % 4], ship_country: 'US', shipping_zone: 'domestic', items_amount: money(items), discount_amount: money(discount), shipping_amount: money(shipping), total_amount: money(total), created_at: ts(at), updated_at: ts(updated) });
    shop.payments.push({ payment_id: id, order_id: id, method: 'card', status: status === 'refunded' ? 'refunded' : status === 'cancelled' ? 'failed' : 'captured', amount: money(total), paid_at: status === 'placed' ? null : ts(at + 3600_000), created_at: ts(at), updated_at: ts(updated) });
    shop.order_status_history.push({ status_history_id: id * 10, order_id: id, status: 'placed', changed_at: ts(at), created_at: ts(at), updated_at: ts(at) });
    if (status !== 'placed') shop.order_status_history.push({ status_history_id: id * 10 + 1, order_id: id, status, changed_at: ts(updated), created_at: ts(updated), updated_at: ts(updated) });
  }
}

/** The next incremental batch: `newOrders` new orders after the shop's last day, `statusUpdates` older orders moved to delivered, one customer moved region. */
export function nextBatch(shop: Shop, o: { seed?: number; newOrders?: number; statusUpdates?: number; at?: string } = {}): Shop {
  const rnd = random(o.seed ?? 7);
  const last = Math.max(...shop.orders.map((r) => Date.parse(String(r.updated_at).replace(' ', 'T').replace('+00', 'Z'))));
  const at = o.at ? Date.parse(o.at) : last + DAY;
  const batch = emptyShop();
  const firstId = Math.max(...shop.orders.map((r) => Number(r.order_id))) + 1;
  addOrders(batch, rnd, { first: firstId, count: o.newOrders ?? 20, start: at, days: 2, customers: shop.customers.length, products: shop.products.length });
  for (const order of shop.orders.filter((r) => r.status === 'paid' || r.status === 'shipped').slice(0, o.statusUpdates ?? 5)) {
    const changed = ts(at + 5 * DAY);
    batch.orders.push({ ...order, status: 'delivered', updated_at: changed });
    batch.order_status_history.push({ status_history_id: Number(order.order_id) * 10 + 2, order_id: order.order_id, status: 'delivered', changed_at: changed, created_at: changed, updated_at: changed });
  }
  const moved = shop.customers[0];
  batch.customers.push({ ...moved, region: 'Moved', updated_at: ts(at + 1000) });
  return batch;
}

/** Adds a batch's rows to a shop (what the source holds after the batch), replacing updated keys. */
export function applyBatch(shop: Shop, batch: Shop, keys: Record<SourceTable, string>): Shop {
  const out = emptyShop();
  for (const t of SOURCE_TABLES) {
    const byKey = new Map(shop[t].map((r) => [r[keys[t]], r]));
    for (const r of batch[t]) byKey.set(r[keys[t]], r);
    out[t] = [...byKey.values()];
  }
  return out;
}

export async function insertRows(db: Warehouse, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const perStatement = Math.floor(30_000 / columns.length);
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((r) => `(${columns.map((c) => (values.push(r[c]), `$${values.length}`)).join(', ')})`);
    await db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }
}

/** Replaces staging with one run per table of `batch` (tables with no rows get no run unless `kind` is full). */
export async function stageRuns(db: Warehouse, batch: Shop, run: { lineage: string; kind: 'full' | 'incremental'; runId: string; projectRoot: string }): Promise<void> {
  await createCoreTables(db, run.projectRoot);
  await db.exec('DELETE FROM staging.pending_runs');
  for (const t of SOURCE_TABLES) {
    await db.exec(`DELETE FROM staging.${t}`);
    if (batch[t].length === 0 && run.kind === 'incremental') continue;
    await insertRows(db, `staging.${t}`, batch[t]);
    await db.query('INSERT INTO staging.pending_runs (table_name, run_id, lineage, kind, record_count) VALUES ($1, $2, $3, $4, $5)',
      [t, run.runId, run.lineage, run.kind, batch[t].length]);
  }
}
