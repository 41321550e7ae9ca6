/**
 * What the shop is made of: name and address pools from Faker (seeded, en or ko), and the product catalogue.
 * Faker builds the pools once (a few hundred calls); rows then pick from them with the fast PRNG, which is
 * what lets a million orders generate in seconds.
 */
import { Faker, base, en, ko } from '@faker-js/faker';
import { Random, WeightedChoice } from './random';
import type { ShopLocale } from './calendar';

export interface Location {
  city: string;
  region: string;
}

export interface Pools {
  locale: ShopLocale;
  country: string;
  currency: string;
  firstNames: string[];
  lastNames: string[];
  /** ASCII handles for e-mail addresses (Korean names are not e-mail local parts). */
  handles: string[];
  emailDomains: string[];
  locations: Location[];
  /** Locations weighted by population: a few big cities, a long tail. */
  locationChoice: WeightedChoice;
}

export interface Product {
  id: number;
  sku: string;
  name: string;
  category: string;
  brand: string;
  /** In cents (for KRW: whole won times 100, so DECIMAL(10,2) holds it unchanged). */
  priceCents: number;
  costCents: number;
  active: boolean;
  createdAt: number;
}

/** Categories with typical price ranges in US dollars and their share of the catalogue. */
export const CATEGORIES: readonly { name: string; minUsd: number; maxUsd: number; share: number }[] = [
  { name: 'Electronics', minUsd: 15, maxUsd: 1200, share: 0.14 },
  { name: 'Home & Kitchen', minUsd: 8, maxUsd: 400, share: 0.16 },
  { name: 'Fashion', minUsd: 12, maxUsd: 250, share: 0.18 },
  { name: 'Beauty', minUsd: 5, maxUsd: 120, share: 0.12 },
  { name: 'Sports & Outdoors', minUsd: 10, maxUsd: 500, share: 0.1 },
  { name: 'Books', minUsd: 6, maxUsd: 60, share: 0.1 },
  { name: 'Toys & Games', minUsd: 7, maxUsd: 150, share: 0.08 },
  { name: 'Grocery', minUsd: 3, maxUsd: 45, share: 0.08 },
  { name: 'Pet Supplies', minUsd: 4, maxUsd: 90, share: 0.04 },
];

export const KRW_PER_USD = 1350;

function fakerFor(locale: ShopLocale, seed: number): Faker {
  return new Faker({ locale: locale === 'ko' ? [ko, en, base] : [en, base], seed });
}

function uniqueList(make: () => string, count: number, attempts = count * 5): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < attempts && seen.size < count; i++) seen.add(make());
  return [...seen];
}

export function buildPools(locale: ShopLocale, seed: number): Pools {
  const faker = fakerFor(locale, seed);
  const latin = fakerFor('en', seed + 1);
  const firstNames = uniqueList(() => faker.person.firstName(), 300);
  const lastNames = uniqueList(() => faker.person.lastName(), locale === 'ko' ? 60 : 300);
  const handles = uniqueList(() => latin.person.firstName().toLowerCase().replace(/[^a-z]/g, ''), 300).filter((h) => h.length > 1);
  const locations = uniqueList(() => `${faker.location.city()}\u0000${faker.location.state()}`, 250).map((s) => {
    const [city, region] = s.split('\u0000');
    return { city, region };
  });
  // Zipf-like city sizes: the first cities of the pool are the big ones.
  const locationChoice = new WeightedChoice(locations.map((_, i) => 1 / Math.pow(i + 1, 0.8)));
  return {
    locale,
    country: locale === 'ko' ? 'KR' : 'US',
    currency: locale === 'ko' ? 'KRW' : 'USD',
    firstNames,
    lastNames,
    handles,
    emailDomains: locale === 'ko' ? ['naver.com', 'gmail.com', 'daum.net', 'kakao.com', 'nate.com'] : ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com', 'proton.me'],
    locations,
    locationChoice,
  };
}

/** The catalogue grows with the shop, about 3·√orders products: 134 for 2,000 orders, 3,000 for a million. */
export function productCount(orders: number): number {
  return Math.max(40, Math.min(5000, Math.round(3 * Math.sqrt(orders))));
}

/** Prices end in .99 (USD) or round hundreds of won (KRW), as shops price them. */
function shelfPrice(locale: ShopLocale, usd: number): number {
  if (locale === 'ko') return Math.max(1000, Math.round((usd * KRW_PER_USD) / 100) * 100) * 100;
  return Math.max(1, Math.round(usd)) * 100 - 1;
}

/**
 * The catalogue, the same for a given seed and size. Every product exists before the history starts
 * (created in the year before), so no order ever buys a product that did not exist yet.
 */
export function buildProducts(locale: ShopLocale, seed: number, count: number, historyStartUtc: number): Product[] {
  const faker = fakerFor(locale, seed + 2);
  const rng = new Random(seed, 0x70726f64);
  const brands = CATEGORIES.map(() => uniqueList(() => faker.company.name().replace(/[\t\n\\]/g, ' '), 8));
  const categoryChoice = new WeightedChoice(CATEGORIES.map((c) => c.share));
  const products: Product[] = [];
  for (let id = 1; id <= count; id++) {
    const c = categoryChoice.draw(rng);
    const cat = CATEGORIES[c];
    // Log-uniform: many cheap items, a few expensive ones, within the category's range.
    const usd = Math.exp(Math.log(cat.minUsd) + rng.next() * (Math.log(cat.maxUsd) - Math.log(cat.minUsd)));
    const priceCents = shelfPrice(locale, usd);
    const margin = 0.3 + rng.next() * 0.35;
    const costCents = Math.round(priceCents * (1 - margin));
    products.push({
      id,
      sku: `${cat.name.slice(0, 3).toUpperCase()}-${String(id).padStart(6, '0')}`,
      name: faker.commerce.productName(),
      category: cat.name,
      brand: rng.pick(brands[c]),
      priceCents,
      costCents,
      active: !rng.chance(0.05),
      createdAt: historyStartUtc - rng.between(1, 365) * 86_400_000 - rng.int(86_400_000),
    });
  }
  return products;
}

/**
 * Pareto popularity: products are ranked in a seeded random order and sold with weight 1/rank^1.1,
 * so about a fifth of the catalogue makes about four fifths of the sales.
 */
export function productPopularity(seed: number, count: number): WeightedChoice {
  const rng = new Random(seed, 0x706f7075);
  const rank = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rank[i], rank[j]] = [rank[j], rank[i]];
  }
  const weights = new Array<number>(count);
  rank.forEach((product, r) => {
    weights[product] = 1 / Math.pow(r + 1, 1.1);
  });
  return new WeightedChoice(weights);
}
