/**
 * The shop as the MySQL source holds it now: what `npm run pipeline -- --append` continues from.
 * generate/ declares what it needs (CurrentShop); this is the one place that reads it from MySQL.
 */
import type { PipelineContext } from '../core/context';
import { OrderHeError } from '../core/errors';
import { quoteMysqlIdent } from '../core/identifiers';
import { SOURCE_TABLES, TABLES } from '../core/tables';
import type { ShopTable } from '../generate/files';
import type { CurrentShop, SourceState } from '../generate/generate-shop';
import type { Location, Product, ShippingZone } from '../generate/catalog';
import type { OrderStatus } from '../generate/simulator';

/** DECIMAL text to integer cents, exactly ("12.3" -> 1230, "-0.05" -> -5). */
export function parseCents(text: string): number {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const cents = Number(whole) * 100 + Number((frac + '00').slice(0, 2));
  return negative ? -cents : cents;
}

/** MySQL DATETIME text (UTC) to epoch ms. */
export function parseSourceTimestamp(text: string): number {
  return Date.parse(text.replace(' ', 'T') + 'Z');
}

export async function readSourceState(ctx: PipelineContext): Promise<SourceState> {
  const { pool } = await ctx.source();
  const noShop = () => new OrderHeError('There is no shop in the MySQL source to append to yet.', 'Generate and load one first: npm run pipeline -- --until source (then --append --days N).');
  let lineage: { lineage_id: string; seed: string; orders: string }[];
  try {
    [lineage] = (await pool.query('SELECT lineage_id, seed, orders FROM source_lineage')) as unknown as [typeof lineage];
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') throw noShop();
    throw err;
  }
  if (lineage.length !== 1) throw noShop();
  // Table and key names come from the table registry, never from input.
  const maxIds = {} as Record<ShopTable, number>;
  let clock = 0;
  for (const t of SOURCE_TABLES) {
    const key = quoteMysqlIdent(TABLES[t].key, 'source key');
    const [rows] = (await pool.query(`SELECT COALESCE(MAX(${key}), 0) AS max_id, MAX(updated_at) AS latest FROM ${quoteMysqlIdent(t, 'source table')}`)) as unknown as [{ max_id: string | number; latest: string | null }[]];
    maxIds[t] = Number(rows[0].max_id);
    if (rows[0].latest) clock = Math.max(clock, parseSourceTimestamp(rows[0].latest));
  }
  if (maxIds.orders === 0 || maxIds.products === 0) throw noShop();
  // The currency names the shop (customers live in many countries; every order is in the shop's currency).
  const [currency] = (await pool.query('SELECT currency FROM orders ORDER BY order_id LIMIT 1')) as unknown as [{ currency: string }[]];
  return {
    lineageId: lineage[0].lineage_id, seed: Number(lineage[0].seed), orders: Number(lineage[0].orders),
    locale: currency[0]?.currency === 'KRW' ? 'ko' : 'en', maxIds, clock,
  };
}


/** The CurrentShop an append reads, backed by the source database. */
export async function currentShopInSource(ctx: PipelineContext): Promise<CurrentShop> {
  const state = await readSourceState(ctx);
  const { pool } = await ctx.source();
  const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
  return {
    state,
    async products(): Promise<Product[]> {
      const [rows] = (await pool.query('SELECT product_id, sku, name, category, brand, weight_grams, price, cost, is_active, created_at FROM products ORDER BY product_id')) as unknown as [Record<string, string | number>[]];
      return rows.map((p) => ({
        id: Number(p.product_id), sku: String(p.sku), name: String(p.name), category: String(p.category), brand: String(p.brand), weightGrams: Number(p.weight_grams),
        priceCents: parseCents(String(p.price)), costCents: parseCents(String(p.cost)), active: Number(p.is_active) === 1,
        createdAt: parseSourceTimestamp(String(p.created_at)),
      }));
    },
    async openOrders(sinceUtcMs) {
      const [rows] = (await pool.query(
        `SELECT o.order_id, o.status, o.updated_at, o.total_amount, o.shipping_zone,
                (SELECT p.method FROM payments p WHERE p.order_id = o.order_id ORDER BY p.payment_id LIMIT 1) AS method
           FROM orders o
          WHERE o.ordered_at >= ? AND o.status IN ('placed', 'paid', 'shipped', 'delivered')
          ORDER BY o.order_id`,
        [sqlTime(sinceUtcMs)],
      )) as unknown as [{ order_id: string | number; status: OrderStatus; updated_at: string; total_amount: string; shipping_zone: ShippingZone; method: string | null }[]];
      return rows.map((o) => ({ orderId: Number(o.order_id), status: o.status, updatedAt: parseSourceTimestamp(o.updated_at), totalCents: parseCents(o.total_amount), zone: o.shipping_zone, method: o.method }));
    },
    async customerLocations(ids) {
      const [rows] = (await pool.query('SELECT customer_id, city, region, country FROM customers WHERE customer_id IN (?)', [ids])) as unknown as [{ customer_id: number; city: string | null; region: string; country: string }[]];
      return new Map<number, Location>(rows.map((r) => [Number(r.customer_id), { city: r.city as string, region: r.region, country: r.country }]));
    },
  };
}
