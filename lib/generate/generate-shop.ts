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
import type { PipelineContext } from '../core/context';
import type { RunOptions, StepResult } from '../core/steps';
import { OrderHeError } from '../core/errors';
import {
  DAY_MS, HISTORY_DAYS, HISTORY_FIRST_DAY, dayWeight, historyEndUtc, historyWeight, localToUtc, ordersPerDay, utcToLocalDay,
  type ShopLocale,
} from './calendar';
import { buildPools, buildProducts, productCount, productPopularity, type Location, type Product, type ShippingZone } from './catalog';
import {
  SHOP_TABLE_NAMES, generatedDir, writeGeneratedManifest, type GeneratedManifest, type ShopTable,
} from './files';
import { ShopSimulator, type OrderStatus } from './simulator';

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

/**
 * The generate step. An append needs the shop as the source holds it (`currentShop`); lib/pipeline.ts's
 * generateShop passes source/current-shop.ts's reader, so this folder never talks to MySQL itself.
 */
export async function generateShopFiles(ctx: PipelineContext, options: RunOptions, settings: GenerateSettings & { currentShop?: CurrentShop } = {}): Promise<StepResult> {
  checkRunOptions(options);
  const progress = settings.progress ?? ctx.progress;
  if (options.append) {
    if (!settings.currentShop) throw new OrderHeError('An append continues the shop in the source, and none was given.', 'Call generateShop from @orderhe/lib (it reads the source), or pass { currentShop: currentShopInSource(ctx) }.');
    return generateAppendFiles(ctx, options, settings.currentShop, { ...settings, progress });
  }
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

/** What an append continues from: the shop as the source holds it now (source/current-shop.ts reads it). */
export interface CurrentShop {
  state: SourceState;
  /** The catalogue as it stands (prices, active flags), in product_id order. */
  products(): Promise<Product[]>;
  /** Orders placed since `sinceUtcMs` that can still move on (placed, paid, shipped, delivered), in order_id order. */
  openOrders(sinceUtcMs: number): Promise<{ orderId: number; status: OrderStatus; updatedAt: number; totalCents: number; zone: ShippingZone; method: string | null }[]>;
  /** Where existing customers live now, for the orders they place on the new days. */
  customerLocations(ids: number[]): Promise<Map<number, Location>>;
}

/** The facts an append starts from. */
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

async function generateAppendFiles(ctx: PipelineContext, options: RunOptions, shop: CurrentShop, settings: GenerateSettings): Promise<StepResult> {
  const days = options.append!.days;
  const progress = settings.progress ?? (() => {});
  const dataDir = ctx.config.pipeline.dataDir;
  const { state } = shop;
  // The shop's own seed and locale, so the appended days continue the same shop (same pools, same popular products).
  const { seed, locale } = state;
  // The shop's "now" is its latest change, and never earlier than the end of the generated history
  // (a tiny shop's last change can be months before it).
  const clock = Math.max(state.clock, historyEndUtc(locale) - 1);
  const firstDay = utcToLocalDay(locale, clock) + 1;
  const start = localToUtc(locale, firstDay);
  const end = localToUtc(locale, firstDay + days);

  const products = await shop.products();

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
    const open = await shop.openOrders(start - 45 * DAY_MS);
    for (const o of open) {
      const since = o.updatedAt;
      // Refunds come within two weeks of delivery; older deliveries are settled.
      if (o.status === 'delivered' && since < start - 14 * DAY_MS) continue;
      const last = sim.advance(o.orderId, o.status, since, o.totalCents, o.method ?? 'card', start, o.zone);
      if (last.at !== since) {
        sim.updateOrder(o.orderId, last.status, last.at);
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
      if (unknown.length > 0) for (const [id, at] of await shop.customerLocations(unknown)) addresses.set(id, at);
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
