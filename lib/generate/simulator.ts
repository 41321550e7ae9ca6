/**
 * The shop simulator: turns "an order arrives at time t" into rows of all six tables, with amounts that
 * reconcile to the cent and a status history whose timestamps follow each other. Used by a fresh
 * generation (two years of history) and by --append (more days on top of the existing source).
 *
 * Behaviour, and why it is there:
 * - customers: ~30% of orders come from new customers, the rest from returning ones, biased towards recent
 *   customers (so cohorts retain and then fade) plus ~2% heavy buyers who order again and again (RFM);
 *   some people sign up and never buy.
 * - where: customers live in the shop's countries (home heaviest, pools.locations); each order ships to the
 *   customer's country, in that country's zone (orders.shipping_zone).
 * - orders: 1 to 8 lines (mostly 1-2), Pareto product popularity, quantities mostly 1, line discounts more
 *   often and deeper on promotion days, an occasional coupon on the order; the shipping fee follows the zone and
 *   the basket's weight (SHIPPING_FEES), free at home above a threshold.
 * - delivery: the carrier takes CARRIER_DAYS by zone, a few days at home, up to two weeks far away, and
 *   LATE_DELIVERY's share of parcels days more.
 * - lifecycle: placed -> paid -> shipped -> delivered, with ~2.5% cancelled before payment, ~1.5% cancelled
 *   after it (refund), ~4% refunded after delivery. Only events before the end of the simulated window exist,
 *   so the most recent orders are still placed / paid / shipped: that is what --append moves forward.
 * - payments: one captured payment per paid order (sometimes after a failed attempt); a refund is its own row
 *   with status `refunded` and the refunded amount, so net revenue = captured - refunded.
 */
import { Random, WeightedChoice, hash32 } from './random';
import { HOUR_WEIGHTS, localToUtc, isPromotionDay, type ShopLocale } from './calendar';
import { shippingZone, type Location, type Pools, type Product, type ShippingZone } from './catalog';
import {
  formatCents, formatTimestamp, tsvText, TableFileWriter, generatedFile, fileIsAscii, SHOP_TABLE_NAMES, UPDATE_FILES,
  type DirtyCounts, type GeneratedFileName, type ShopTable, type UpdateFileName,
} from './files';
import type { ORDER_STATUSES, PAYMENT_METHODS, SIGNUP_CHANNELS } from '../core/tables';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Rates of the cleaning lesson's dirty data (--dirty), per customer row or per order line. */
export const DIRTY_RATES = {
  /** the same person signs up again: a copy of a customer under a new id */
  duplicateCustomers: 0.02,
  /** e-mail left empty (NULL) */
  missingEmails: 0.02,
  /** e-mail that is not an address: "name at host", "@@", no dot in the domain */
  malformedEmails: 0.015,
  /** city left empty (NULL) */
  missingCities: 0.03,
  /** a leading or trailing space in first_name, last_name or city */
  strayWhitespace: 0.02,
  /** an order line with a negative quantity (its amounts follow the sign) */
  negativeQuantities: 0.005,
} as const;

/** The e-mail shape the cleaning lesson checks (also usable as MySQL REGEXP). */
export const VALID_EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** The registry's accepted values of orders.status. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const BASKET = new WeightedChoice([45, 25, 14, 8, 4, 2, 1, 1]);
const QUANTITY = new WeightedChoice([80, 13, 4, 2, 1]);
const HOURS = new WeightedChoice(HOUR_WEIGHTS);
// Channels and methods are listed beside their weights, each one a value the registry accepts (checked by the
// compiler); the seeded draws depend on this order, never on the registry's.
const CHANNELS = ['web', 'app', 'marketplace', 'store'] as const satisfies readonly (typeof SIGNUP_CHANNELS)[number][];
const CHANNEL = new WeightedChoice([45, 35, 12, 8]);
const METHODS = ['card', 'wallet', 'bank_transfer', 'gift_card'] as const satisfies readonly (typeof PAYMENT_METHODS)[number][];
const METHOD: Record<ShopLocale, WeightedChoice> = { en: new WeightedChoice([62, 22, 10, 6]), ko: new WeightedChoice([55, 30, 12, 3]) };

/** Heavy buyers are a fixed trait of a customer id (so --append knows them without storing a flag). */
export function isHeavyBuyer(seed: number, customerId: number): boolean {
  return hash32(seed, 0x68656176, customerId) < 0.02 * 4294967296;
}

/**
 * Shipping fees in cents by zone: a base for the first kilogram and a price per further (started) kilogram.
 * Domestic parcels ship free above the shop's threshold; parcels abroad always pay.
 */
export const SHIPPING_FEES: Record<ShopLocale, Record<ShippingZone, { base: number; perKg: number }>> = {
  en: { domestic: { base: 599, perKg: 150 }, near: { base: 1299, perKg: 300 }, international: { base: 1999, perKg: 500 }, far: { base: 2499, perKg: 700 } },
  ko: { domestic: { base: 300_000, perKg: 50_000 }, near: { base: 900_000, perKg: 200_000 }, international: { base: 1_500_000, perKg: 300_000 }, far: { base: 2_200_000, perKg: 500_000 } },
};

/**
 * Carrier days from shipped to delivered by zone (uniform between min and max), plus a late tail: a share of
 * parcels wait in customs or a depot for `lateDays` more. The mart's promised windows (mart.delivery_performance)
 * sit at the normal maximum, so on-time share measures that tail.
 */
export const CARRIER_DAYS: Record<ShippingZone, { min: number; max: number }> = {
  domestic: { min: 1, max: 4 }, near: { min: 3, max: 7 }, international: { min: 5, max: 10 }, far: { min: 7, max: 14 },
};
export const LATE_DELIVERY = { share: 0.06, minDays: 3, maxDays: 12 } as const;

export interface SimulatorSetup {
  seed: number;
  locale: ShopLocale;
  dirty: boolean;
  dataDir: string;
  kind: 'full' | 'append';
  pools: Pools;
  products: readonly Product[];
  popularity: WeightedChoice;
  /** The first id to use per table (1 for a fresh shop, max+1 when appending). */
  nextIds: Record<ShopTable, number>;
  /** Distinguishes this run's random stream (fresh shop vs each append window). */
  stream: number[];
  /** UTC ms, exclusive: events at or after it have not happened yet. */
  end: number;
  /**
   * UTC ms: nothing this run writes is older (append: the start of the new window, so every new or changed row
   * has an updated_at past the source's clock and the lake's incremental extract sees it). 0 for a fresh shop.
   */
  notBefore: number;
  /** Customers that exist before this run (append): ids 1..existingCustomers. */
  existingCustomers: number;
}

/** One order the day's plan has decided on: when, and who (0 = a new customer). */
interface PlannedOrder {
  at: number;
  customerId: number;
}

/**
 * A growing list of small integers (< 65536), 2 bytes each in fixed chunks: one entry per customer created, so at
 * 5M orders (1.8M customers) it holds 3.6 MB where an array of object pointers held 14 MB, and it never copies
 * itself to grow. (Peak memory from 1M to 5M orders was kept flat mostly by the heap cap in package.json's
 * scripts; see docs/benchmarks.md.)
 */
class IndexList {
  private static readonly CHUNK = 1 << 16;
  private readonly chunks: Uint16Array[] = [];
  length = 0;

  push(value: number): void {
    if (value < 0 || value > 0xffff) throw new RangeError(`IndexList holds 0..65535, not ${value}`);
    const at = this.length % IndexList.CHUNK;
    if (at === 0) this.chunks.push(new Uint16Array(IndexList.CHUNK));
    this.chunks[this.chunks.length - 1][at] = value;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[Math.floor(i / IndexList.CHUNK)][i % IndexList.CHUNK];
  }
}

export class ShopSimulator {
  readonly rng: Random;
  private readonly dirtyRng: Random;
  private readonly writers: Partial<Record<GeneratedFileName, TableFileWriter>> = {};
  private readonly next: Record<ShopTable, number>;
  readonly dirtyCounts: DirtyCounts = { duplicateCustomers: 0, missingEmails: 0, missingCities: 0, malformedEmails: 0, negativeQuantities: 0, strayWhitespace: 0 };
  /** Where customers created in this run live (ship-to address of their orders), as indexes into pools.locations. */
  private readonly newLocations = new IndexList();
  private readonly heavy: number[] = [];
  private readonly money: (cents: number) => number;
  private readonly fees: Record<ShippingZone, { base: number; perKg: number }>;
  private readonly freeShippingFrom: number;
  private readonly couponCap: number;
  ordersPlaced = 0;

  constructor(private readonly s: SimulatorSetup) {
    this.rng = new Random(s.seed, ...s.stream);
    this.dirtyRng = new Random(s.seed, 0x64697274, ...s.stream);
    this.next = { ...s.nextIds };
    const tables: GeneratedFileName[] = [...SHOP_TABLE_NAMES];
    if (s.kind === 'append') tables.push(...(Object.keys(UPDATE_FILES) as UpdateFileName[]));
    for (const t of tables) this.writers[t] = new TableFileWriter(generatedFile(s.dataDir, t, s.kind), fileIsAscii(t));
    for (let id = 1; id <= s.existingCustomers; id++) if (isHeavyBuyer(s.seed, id)) this.heavy.push(id);
    const krw = s.locale === 'ko';
    // KRW has no minor unit: every won amount is rounded to whole won (100 "cents").
    this.money = krw ? (c) => Math.round(c / 100) * 100 : (c) => Math.round(c);
    this.fees = SHIPPING_FEES[krw ? 'ko' : 'en'];
    this.freeShippingFrom = krw ? 5_000_000 : 5_000;
    this.couponCap = krw ? 4_000_000 : 3_000;
  }

  private write(table: GeneratedFileName, line: string) {
    this.writers[table]!.add(line);
  }

  rowsWritten(): Partial<Record<GeneratedFileName, number>> {
    const out: Partial<Record<GeneratedFileName, number>> = {};
    for (const [t, w] of Object.entries(this.writers)) out[t as GeneratedFileName] = w!.rows;
    return out;
  }

  close(): void {
    for (const w of Object.values(this.writers)) w!.close();
  }

  writeProducts(): void {
    for (const p of this.s.products) {
      const ts = formatTimestamp(p.createdAt);
      this.write('products', [p.id, tsvText(p.sku), tsvText(p.name), tsvText(p.category), tsvText(p.brand), p.weightGrams, formatCents(p.priceCents), formatCents(p.costCents), p.active ? 1 : 0, ts, ts].join('\t'));
    }
  }

  /** The highest customer id so far (existing and new). */
  get customerCount(): number {
    return this.next.customers - 1;
  }

  /** Location of a customer created in this run, or undefined for one that existed before. */
  newCustomerLocation(id: number): Location | undefined {
    const at = id - this.s.existingCustomers - 1;
    return at >= 0 && at < this.newLocations.length ? this.s.pools.locations[this.newLocations.get(at)] : undefined;
  }

  /**
   * Plans one local day: `count` order times following the hour-of-day profile, in time order, and who
   * places each (a new customer, a heavy buyer, or a returning customer biased towards recent sign-ups).
   */
  planDay(day: number, count: number): PlannedOrder[] {
    const times = new Float64Array(count);
    for (let i = 0; i < count; i++) times[i] = HOURS.draw(this.rng) * HOUR + this.rng.int(HOUR);
    times.sort();
    const plan: PlannedOrder[] = [];
    // Customer ids that will exist by then: the plan counts the new ones it creates.
    let known = this.customerCount;
    for (let i = 0; i < count; i++) {
      let customerId = 0;
      if (known >= 20 && !this.rng.chance(0.3)) {
        if (this.heavy.length > 0 && this.rng.chance(0.1)) customerId = this.rng.pick(this.heavy);
        else customerId = known - Math.floor(known * Math.pow(this.rng.next(), 2.2));
      } else known += 1;
      plan.push({ at: localToUtc(this.s.locale, day, times[i]), customerId });
    }
    return plan;
  }

  /** Places the planned orders; `locate` gives the address of customers that existed before this run. */
  placeDay(day: number, plan: PlannedOrder[], locate: (customerId: number) => Location): void {
    const promo = isPromotionDay(this.s.locale, day);
    for (const o of plan) {
      let customerId = o.customerId;
      let location: Location;
      if (customerId === 0) {
        const created = this.newCustomer(o.at);
        customerId = created.id;
        location = created.location;
      } else {
        location = this.newCustomerLocation(customerId) ?? locate(customerId);
      }
      this.placeOrder(customerId, location, o.at, promo);
    }
  }

  /** A new customer who signs up shortly (or some days) before `orderAt`; sometimes a browser signs up too. */
  private newCustomer(orderAt: number): { id: number; location: Location } {
    const rng = this.rng;
    const signup = rng.chance(0.6) ? orderAt - rng.between(30_000, 20 * MINUTE) : orderAt - rng.between(HOUR, 60 * DAY);
    const buyer = this.writeCustomer(Math.max(signup, this.s.notBefore));
    if (rng.chance(0.2)) this.writeCustomer(Math.max(orderAt - rng.between(HOUR, 10 * DAY), this.s.notBefore));
    return buyer;
  }

  private writeCustomer(createdAt: number): { id: number; location: Location } {
    const { pools } = this.s;
    const rng = this.rng;
    const id = this.next.customers++;
    const first = rng.pick(pools.firstNames);
    const last = rng.pick(pools.lastNames);
    const handle = pools.locale === 'ko' ? rng.pick(pools.handles) : `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    const email = `${handle}${id}@${rng.pick(pools.emailDomains)}`;
    const phone = rng.chance(0.25) ? null : this.phone();
    const locationIndex = pools.locationChoice.draw(rng);
    const location = pools.locations[locationIndex];
    const channel = CHANNELS[CHANNEL.draw(rng)];
    this.newLocations.push(locationIndex);
    if (isHeavyBuyer(this.s.seed, id)) this.heavy.push(id);

    const row = { email: email as string | null, first, last, city: location.city as string | null };
    if (this.s.dirty) this.dirtyCustomer(row);
    const ts = formatTimestamp(createdAt);
    const tail = [tsvText(phone), tsvText(row.city), tsvText(location.region), location.country, channel, ts, ts].join('\t');
    this.write('customers', [id, tsvText(row.email), tsvText(row.first), tsvText(row.last), tail].join('\t'));

    // A duplicate sign-up: the same person, clean fields, a new id.
    if (this.s.dirty && row.email === email && this.dirtyRng.chance(DIRTY_RATES.duplicateCustomers)) {
      const dupId = this.next.customers++;
      this.newLocations.push(locationIndex);
      // Created a little earlier (a forgotten first account), so it exists before any order that picks it.
      const dupTs = formatTimestamp(Math.max(createdAt - this.dirtyRng.between(MINUTE, 2 * HOUR), this.s.notBefore));
      const dupTail = [tsvText(phone), tsvText(location.city), tsvText(location.region), location.country, channel, dupTs, dupTs].join('\t');
      this.write('customers', [dupId, tsvText(email), tsvText(first), tsvText(last), dupTail].join('\t'));
      this.dirtyCounts.duplicateCustomers++;
    }
    return { id, location };
  }

  private dirtyCustomer(row: { email: string | null; first: string; last: string; city: string | null }) {
    const d = this.dirtyRng;
    const r = d.next();
    if (r < DIRTY_RATES.missingEmails) {
      row.email = null;
      this.dirtyCounts.missingEmails++;
    } else if (r < DIRTY_RATES.missingEmails + DIRTY_RATES.malformedEmails) {
      const e = row.email!;
      const variant = d.int(3);
      row.email = variant === 0 ? e.replace('@', ' at ') : variant === 1 ? e.replace('@', '@@') : e.replace(/\.(?=[a-z]+$)/, '');
      this.dirtyCounts.malformedEmails++;
    }
    if (d.chance(DIRTY_RATES.missingCities)) {
      row.city = null;
      this.dirtyCounts.missingCities++;
    }
    if (d.chance(DIRTY_RATES.strayWhitespace)) {
      const field = row.city === null ? d.int(2) : d.int(3);
      const pad = (s: string) => (d.chance(0.5) ? ' ' + s : s + '  ');
      if (field === 0) row.first = pad(row.first);
      else if (field === 1) row.last = pad(row.last);
      else row.city = pad(row.city!);
      this.dirtyCounts.strayWhitespace++;
    }
  }

  private phone(): string {
    const rng = this.rng;
    const four = () => String(rng.between(0, 9999)).padStart(4, '0');
    return this.s.locale === 'ko' ? `010-${four()}-${four()}` : `+1-${rng.between(201, 989)}-${rng.between(200, 999)}-${four()}`;
  }

  private placeOrder(customerId: number, location: Location, at: number, promo: boolean): void {
    const rng = this.rng;
    const orderId = this.next.orders++;
    const ts = formatTimestamp(at);
    const lines = BASKET.draw(rng) + 1;
    const chosen: number[] = [];
    let items = 0;
    let grams = 0;
    for (let i = 0; i < lines; i++) {
      let p = this.s.popularity.draw(rng);
      // The same product twice in one basket is one line with a bigger quantity: redraw a few times.
      for (let tries = 0; tries < 3 && chosen.includes(p); tries++) p = this.s.popularity.draw(rng);
      if (chosen.includes(p)) continue;
      chosen.push(p);
      const product = this.s.products[p];
      let quantity = QUANTITY.draw(rng) + 1;
      const unit = product.priceCents;
      const pct = promo ? (rng.chance(0.45) ? 10 + 5 * rng.int(4) : 0) : rng.chance(0.07) ? 5 + 5 * rng.int(3) : 0;
      const discount = this.money((quantity * unit * pct) / 100);
      if (this.s.dirty && this.dirtyRng.chance(DIRTY_RATES.negativeQuantities)) {
        quantity = -quantity;
        this.dirtyCounts.negativeQuantities++;
      }
      const line = quantity * unit - discount;
      items += line;
      grams += Math.abs(quantity) * product.weightGrams;
      this.write('order_items', this.next.order_items++ + '\t' + orderId + '\t' + product.id + '\t' + quantity + '\t' + formatCents(unit) + '\t' + formatCents(discount) + '\t' + formatCents(line) + '\t' + ts + '\t' + ts);
    }
    const coupon = items > 0 && rng.chance(promo ? 0.15 : 0.06) ? Math.min(this.money(items * 0.1), this.couponCap) : 0;
    const zone = shippingZone(this.s.locale, location.country);
    const fee = this.fees[zone];
    const shipping = zone === 'domestic' && items >= this.freeShippingFrom ? 0 : fee.base + fee.perKg * Math.max(0, Math.ceil(grams / 1000) - 1);
    const total = items - coupon + shipping;
    const method = METHODS[METHOD[this.s.locale].draw(rng)];

    this.history(orderId, 'placed', at);
    const last = this.advance(orderId, 'placed', at, total, method, 0, zone);
    const { pools } = this.s;
    this.write('orders', [orderId, customerId, last.status, ts, pools.currency, tsvText(location.city), tsvText(location.region), location.country, zone,
      formatCents(items), formatCents(coupon), formatCents(shipping), formatCents(total), ts, formatTimestamp(last.at)].join('\t'));
    this.ordersPlaced++;
  }

  /**
   * Moves an order along its lifecycle from `status` (reached at `at`) until the window ends, writing history
   * and payment rows. Events that would fall before `notBefore` (append: the start of the new window) happen
   * at its start instead, so updated_at always moves past what the source already holds.
   */
  advance(orderId: number, status: OrderStatus, at: number, totalCents: number, method: string, notBefore: number, zone: ShippingZone): { status: OrderStatus; at: number } {
    const rng = this.rng;
    for (;;) {
      let nextStatus: OrderStatus;
      let next: number;
      switch (status) {
        case 'placed':
          if (rng.chance(0.025)) { nextStatus = 'cancelled'; next = at + rng.between(5 * MINUTE, 48 * HOUR); }
          else { nextStatus = 'paid'; next = at + rng.between(MINUTE, 30 * MINUTE); }
          break;
        case 'paid':
          if (rng.chance(0.015)) { nextStatus = 'cancelled'; next = at + rng.between(HOUR, 24 * HOUR); }
          else { nextStatus = 'shipped'; next = at + rng.between(4 * HOUR, 48 * HOUR); }
          break;
        case 'shipped':
          nextStatus = 'delivered';
          next = at + rng.between(CARRIER_DAYS[zone].min * DAY, CARRIER_DAYS[zone].max * DAY);
          if (rng.chance(LATE_DELIVERY.share)) next += rng.between(LATE_DELIVERY.minDays * DAY, LATE_DELIVERY.maxDays * DAY);
          break;
        case 'delivered':
          if (!rng.chance(0.04)) return { status, at };
          nextStatus = 'refunded'; next = at + rng.between(DAY, 14 * DAY);
          break;
        default:
          return { status, at };
      }
      if (next < notBefore) next = notBefore + rng.int(6 * HOUR);
      if (next >= this.s.end) return { status, at };
      if (nextStatus === 'paid') {
        if (rng.chance(0.03)) this.payment(orderId, method, 'failed', totalCents, null, Math.max(at + 1000, notBefore, next - rng.between(MINUTE, 5 * MINUTE)));
        this.payment(orderId, method, 'captured', totalCents, next, next);
      } else if (nextStatus === 'refunded' || (nextStatus === 'cancelled' && status === 'paid')) {
        this.payment(orderId, method, 'refunded', totalCents, next, next);
      }
      this.history(orderId, nextStatus, next);
      status = nextStatus;
      at = next;
    }
  }

  /**
   * Append mode: about 0.2% of existing customers a day move to another city. Their row changes in place
   * (updated_at moves), which is what the warehouse's slowly changing customer dimension keeps history of.
   */
  moveCustomers(existing: number, from: number, days: number): number {
    const rng = this.rng;
    const moving = Math.min(existing, Math.floor(existing * 0.002 * days + rng.next()));
    const chosen = new Set<number>();
    while (chosen.size < moving) chosen.add(rng.between(1, existing));
    for (const id of [...chosen].sort((a, b) => a - b)) {
      const to = this.s.pools.locations[this.s.pools.locationChoice.draw(rng)];
      const at = from + rng.int(days * DAY);
      this.write('customer_updates', id + '\t' + tsvText(to.city) + '\t' + tsvText(to.region) + '\t' + to.country + '\t' + formatTimestamp(at));
    }
    return moving;
  }

  /** Append mode: records the new status of an order that existed before this run. */
  updateOrder(orderId: number, status: OrderStatus, at: number): void {
    this.write('order_updates', [orderId, status, formatTimestamp(at)].join('\t'));
  }

  private payment(orderId: number, method: string, status: string, cents: number, paidAt: number | null, at: number) {
    const ts = formatTimestamp(at);
    this.write('payments', this.next.payments++ + '\t' + orderId + '\t' + method + '\t' + status + '\t' + formatCents(cents) + '\t' + (paidAt === null ? '\\N' : formatTimestamp(paidAt)) + '\t' + ts + '\t' + ts);
  }

  private history(orderId: number, status: OrderStatus, at: number) {
    const ts = formatTimestamp(at);
    this.write('order_status_history', this.next.order_status_history++ + '\t' + orderId + '\t' + status + '\t' + ts + '\t' + ts + '\t' + ts);
  }
}
