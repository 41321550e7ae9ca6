/**
 * Step 1: generate the synthetic shop as files under <dataDir>/generated/ (one LOAD DATA file per table).
 *
 * A fresh run simulates two years of business (2024-2025 in the shop's time zone) for exactly
 * `options.orders` orders; the same seed and options give byte-identical files on any machine, whatever the
 * batch size. With `options.append = { days }` it reads the source's current state (highest ids, its clock,
 * its seed) and simulates that many more days: new customers and orders, the next status of recent
 * orders and a few customers who move, written under generated/append/ for the source step to apply.
 */
import fs from 'node:fs';
import type { PipelineContext } from './context';
import type { RunOptions, StepResult } from './steps';
import { OrderHeError } from './errors';
import {
  DAY_MS, HISTORY_DAYS, HISTORY_FIRST_DAY, dayWeight, historyEndUtc, historyWeight, localToUtc, ordersPerDay, utcToLocalDay,
  type ShopLocale,
} from './generate-calendar';
import { buildPools, buildProducts, productCount, productPopularity, type Location, type Product } from './generate-catalog';
import {
  SHOP_TABLE_NAMES, generatedDir, writeGeneratedManifest, type GeneratedManifest, type ShopTable,
} from './generate-files';
import { ShopSimulator, type OrderStatus } from './generate-shop';

export interface GenerateSettings {
  /** Orders between progress reports and file flushes; changes nothing in the files' bytes. Default 20,000. */
  batchSize?: number;
  /** Progress callback when generating without a pipeline context. */
  progress?: PipelineContext['progress'];
}

export const MAX_ORDERS = 50_000_000;

/** Refuses options no caller should pass, in one sentence (the CLI already checks its flags the same way). */
export function checkRunOptions(options: RunOptions): void {
  const whole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
  if (!whole(options.orders, 1, MAX_ORDERS)) throw new OrderHeError(`orders must be a whole number from 1 to ${MAX_ORDERS.toLocaleString('en-US')}, not ${String(options.orders)}.`, 'Pass e.g. { orders: 2000 } (or --orders 2000).');
  if (!whole(options.seed, 0, 2 ** 32 - 1)) throw new OrderHeError(`seed must be a whole number from 0 to 4294967295, not ${String(options.seed)}.`, 'Pass e.g. { seed: 42 } (or --seed 42).');
  if (options.locale !== 'en' && options.locale !== 'ko') throw new OrderHeError(`locale must be "en" or "ko", not "${String(options.locale)}".`, 'Pass { locale: "en" } or { locale: "ko" }.');
  if (options.append && !whole(options.append.days, 1, 3650)) throw new OrderHeError(`append.days must be a whole number from 1 to 3650, not ${String(options.append.days)}.`, 'Pass e.g. { append: { days: 3 } } (or --append --days 3).');
}

export async function generateShop(ctx: PipelineContext, options: RunOptions, settings: GenerateSettings = {}): Promise<StepResult> {
  checkRunOptions(options);
  const progress = settings.progress ?? ctx.progress;
  if (options.append) return generateAppendFiles(ctx, options, { ...settings, progress });
  return writeShopFiles(ctx.config.pipeline.dataDir, options, { ...settings, progress });
}

function batchSizeOf(settings: GenerateSettings): number {
  const b = settings.batchSize ?? 20_000;
  if (!Number.isSafeInteger(b) || b < 1) throw new OrderHeError(`batchSize must be a whole number of at least 1, not ${String(b)}.`, 'Leave it out to use 20,000.');
  return b;
}

/** Clears a folder of earlier generated files; the manifest goes first, so a crash never leaves a valid-looking half. */
function prepareDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(`${dir}/manifest.json`, { force: true });
}

/** A fresh shop, written without touching any database (what the `generate` step and the tests call). */
export async function writeShopFiles(dataDir: string, options: RunOptions, settings: GenerateSettings = {}): Promise<StepResult> {
  checkRunOptions(options);
  const batchSize = batchSizeOf(settings);
  const progress = settings.progress ?? (() => {});
  const { seed, locale } = options;
  const dir = generatedDir(dataDir);
  prepareDir(dir);
  // A new shop makes any pending append computed against the old one meaningless.
  fs.rmSync(generatedDir(dataDir, 'append'), { recursive: true, force: true });

  const start = localToUtc(locale, HISTORY_FIRST_DAY);
  const end = historyEndUtc(locale);
  const count = productCount(options.orders);
  const products = buildProducts(locale, seed, count, start);
  const sim = new ShopSimulator({
    seed, locale, dirty: options.dirty ?? false, dataDir, kind: 'full',
    pools: buildPools(locale, seed), products, popularity: productPopularity(seed, count),
    nextIds: firstIds(), stream: [0x66726573], end, notBefore: 0, existingCustomers: 0,
  });
  try {
    sim.writeProducts();
    const perDay = ordersPerDay(locale, HISTORY_FIRST_DAY, HISTORY_DAYS, options.orders);
    let reported = 0;
    for (let i = 0; i < HISTORY_DAYS; i++) {
      const day = HISTORY_FIRST_DAY + i;
      sim.placeDay(day, sim.planDay(day, perDay[i]), () => {
        throw new Error('a fresh shop has no customers from before');
      });
      if (sim.ordersPlaced - reported >= batchSize || i === HISTORY_DAYS - 1) {
        reported = sim.ordersPlaced;
        progress('generate', sim.ordersPlaced, options.orders, 'orders');
        // Let the event loop breathe (progress output, a notebook's kernel) between batches.
        await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    sim.close();
  }
  const manifest: GeneratedManifest = {
    kind: 'full', seed, locale, dirty: options.dirty ?? false, orders: options.orders,
    from: new Date(start).toISOString(), until: new Date(end).toISOString(),
    rows: sim.rowsWritten(), dirtyCounts: sim.dirtyCounts,
  };
  writeGeneratedManifest(dataDir, manifest);
  return resultOf(manifest, dir);
}

function firstIds(): Record<ShopTable, number> {
  return Object.fromEntries(SHOP_TABLE_NAMES.map((t) => [t, 1])) as Record<ShopTable, number>;
}

function resultOf(manifest: GeneratedManifest, dir: string, extra: Record<string, unknown> = {}): StepResult {
  const rows = Object.values(manifest.rows).reduce((a, b) => a + (b ?? 0), 0);
  return {
    rows,
    detail: {
      kind: manifest.kind, dir, from: manifest.from, until: manifest.until, tables: manifest.rows,
      ...(manifest.dirty ? { dirty: manifest.dirtyCounts } : {}), ...extra,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Append: N more days on top of what the source holds now.

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

/** What the source holds now: the facts an append continues from. */
export interface SourceState {
  lineageId: string;
  seed: number;
  /** The shop's original size: its rate of business. */
  orders: number;
  locale: ShopLocale;
  maxIds: Record<ShopTable, number>;
  /** The latest updated_at anywhere in the shop (UTC ms): the shop's clock. */
  clock: number;
}

const ID_COLUMNS: Record<ShopTable, string> = {
  customers: 'customer_id', products: 'product_id', orders: 'order_id', order_items: 'order_item_id',
  payments: 'payment_id', order_status_history: 'status_history_id',
};

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
  // Table names come from our own constant list, never from input.
  const maxIds = {} as Record<ShopTable, number>;
  let clock = 0;
  for (const t of SHOP_TABLE_NAMES) {
    const [rows] = (await pool.query(`SELECT COALESCE(MAX(${ID_COLUMNS[t]}), 0) AS max_id, MAX(updated_at) AS latest FROM ${t}`)) as unknown as [{ max_id: string | number; latest: string | null }[]];
    maxIds[t] = Number(rows[0].max_id);
    if (rows[0].latest) clock = Math.max(clock, parseSourceTimestamp(rows[0].latest));
  }
  if (maxIds.orders === 0 || maxIds.products === 0) throw noShop();
  const [country] = (await pool.query('SELECT country FROM customers ORDER BY customer_id LIMIT 1')) as unknown as [{ country: string }[]];
  return {
    lineageId: lineage[0].lineage_id, seed: Number(lineage[0].seed), orders: Number(lineage[0].orders),
    locale: country[0]?.country === 'KR' ? 'ko' : 'en', maxIds, clock,
  };
}

async function generateAppendFiles(ctx: PipelineContext, options: RunOptions, settings: GenerateSettings): Promise<StepResult> {
  const days = options.append!.days;
  const progress = settings.progress ?? (() => {});
  const dataDir = ctx.config.pipeline.dataDir;
  const state = await readSourceState(ctx);
  const { pool } = await ctx.source();
  // The shop's own seed and locale, so the appended days continue the same shop (same pools, same popular products).
  const { seed, locale } = state;
  // The shop's "now" is its latest change, and never earlier than the end of the generated history
  // (a tiny shop's last change can be months before it).
  const clock = Math.max(state.clock, historyEndUtc(locale) - 1);
  const firstDay = utcToLocalDay(locale, clock) + 1;
  const start = localToUtc(locale, firstDay);
  const end = localToUtc(locale, firstDay + days);

  const [productRows] = (await pool.query('SELECT product_id, sku, name, category, brand, price, cost, is_active, created_at FROM products ORDER BY product_id')) as unknown as [Record<string, string | number>[]];
  const products: Product[] = productRows.map((p) => ({
    id: Number(p.product_id), sku: String(p.sku), name: String(p.name), category: String(p.category), brand: String(p.brand),
    priceCents: parseCents(String(p.price)), costCents: parseCents(String(p.cost)), active: Number(p.is_active) === 1,
    createdAt: parseSourceTimestamp(String(p.created_at)),
  }));

  const dir = generatedDir(dataDir, 'append');
  prepareDir(dir);
  const nextIds = Object.fromEntries(SHOP_TABLE_NAMES.map((t) => [t, state.maxIds[t] + 1])) as Record<ShopTable, number>;
  const sim = new ShopSimulator({
    seed, locale, dirty: options.dirty ?? false, dataDir, kind: 'append',
    pools: buildPools(locale, seed), products, popularity: productPopularity(seed, products.length),
    nextIds, stream: [0x61707065, firstDay, days], end, notBefore: start, existingCustomers: state.maxIds.customers,
  });
  let updatedOrders = 0;
  let newOrders = 0;
  let movedCustomers = 0;
  try {
    // 1. Recent orders move on: paid, shipped, delivered, sometimes cancelled or refunded.
    const [open] = (await pool.query(
      `SELECT o.order_id, o.status, o.updated_at, o.total_amount,
              (SELECT p.method FROM payments p WHERE p.order_id = o.order_id ORDER BY p.payment_id LIMIT 1) AS method
         FROM orders o
        WHERE o.ordered_at >= ? AND o.status IN ('placed', 'paid', 'shipped', 'delivered')
        ORDER BY o.order_id`,
      [new Date(start - 45 * DAY_MS).toISOString().slice(0, 23).replace('T', ' ')],
    )) as unknown as [{ order_id: string | number; status: OrderStatus; updated_at: string; total_amount: string; method: string | null }[]];
    for (const o of open) {
      const since = parseSourceTimestamp(o.updated_at);
      // Refunds come within two weeks of delivery; older deliveries are settled.
      if (o.status === 'delivered' && since < start - 14 * DAY_MS) continue;
      const last = sim.advance(Number(o.order_id), o.status, since, parseCents(o.total_amount), o.method ?? 'card', start);
      if (last.at !== since) {
        sim.updateOrder(Number(o.order_id), last.status, last.at);
        updatedOrders++;
      }
    }

    // 2. Some customers move (their rows change in place).
    movedCustomers = sim.moveCustomers(state.maxIds.customers, start, days);

    // 3. New days of business at the shop's usual rate (its original size spread over its history's weights).
    const rate = state.orders / historyWeight(locale);
    const addresses = new Map<number, Location>();
    for (let i = 0; i < days; i++) {
      const day = firstDay + i;
      const count = Math.floor(rate * dayWeight(locale, day) + sim.rng.next());
      const plan = sim.planDay(day, count);
      const unknown = [...new Set(plan.map((o) => o.customerId).filter((id) => id > 0 && id <= state.maxIds.customers && !addresses.has(id)))];
      if (unknown.length > 0) {
        const [rows] = (await pool.query('SELECT customer_id, city, region FROM customers WHERE customer_id IN (?)', [unknown])) as unknown as [{ customer_id: number; city: string | null; region: string }[]];
        for (const r of rows) addresses.set(Number(r.customer_id), { city: r.city as string, region: r.region });
      }
      sim.placeDay(day, plan, (id) => {
        const found = addresses.get(id);
        if (!found) throw new OrderHeError(`Customer ${id} is missing from the source, which changed while appending.`, 'Run the append again.');
        return found;
      });
      newOrders += count;
      progress('generate', newOrders, undefined, 'orders');
    }
  } finally {
    sim.close();
  }
  const manifest: GeneratedManifest = {
    kind: 'append', seed, locale, dirty: options.dirty ?? false, orders: state.orders,
    from: new Date(start).toISOString(), until: new Date(end).toISOString(),
    rows: sim.rowsWritten(), dirtyCounts: sim.dirtyCounts,
    base: { lineageId: state.lineageId, maxIds: state.maxIds }, days,
  };
  writeGeneratedManifest(dataDir, manifest);
  return resultOf(manifest, dir, { newOrders, updatedOrders, movedCustomers, lineageId: state.lineageId });
}

// What notebooks and the bench need from the generator's modules, exported with the step.
export {
  SHOP_TABLES, SHOP_TABLE_NAMES, ORDER_UPDATE_COLUMNS, CUSTOMER_UPDATE_COLUMNS, generatedDir, generatedFile, readGeneratedManifest, readGeneratedRows,
  type ShopTable, type GeneratedManifest, type DirtyCounts,
} from './generate-files';
export { DIRTY_RATES, VALID_EMAIL } from './generate-shop';
export { HISTORY_FIRST_DAY, HISTORY_DAYS, SHOP_UTC_OFFSET_MINUTES, dayWeight } from './generate-calendar';
export { productCount, CATEGORIES } from './generate-catalog';
