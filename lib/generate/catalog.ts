/**
 * What the shop is made of: name and address pools from Faker (seeded, en or ko), and the product catalogue.
 * Faker builds the pools once (a few hundred calls); rows then pick from them with the fast PRNG, which is
 * what lets a million orders generate in seconds.
 */
import type { Faker } from '@faker-js/faker';
import { Random, WeightedChoice } from './random';
import type { ShopLocale } from './calendar';
import type { SHIPPING_ZONES } from '../core/tables';

export interface Location {
  city: string;
  region: string;
  /** ISO 3166-1 alpha-2: the home market or one of the countries the shop ships to. */
  country: string;
}

/**
 * How far a parcel travels, which sets its shipping fee and how long the carrier takes. The shop records the
 * zone on the order (orders.shipping_zone) as a carrier's label would.
 */
export type ShippingZone = (typeof SHIPPING_ZONES)[number];

/** A country the shop sells to: its share of customers, its zone from the shop's warehouse, a few cities. */
export interface ShopCountry {
  code: string;
  share: number;
  zone: ShippingZone;
  /** [city, region]; the home market's cities come from Faker instead. */
  cities: readonly (readonly [string, string])[];
}

/**
 * Where each shop's customers live: the home market heaviest, then neighbours, then the rest of the world.
 * Shares are of customers (and so of orders, roughly); cities are the countries' largest, by population order.
 */
export const SHOP_COUNTRIES: Record<ShopLocale, readonly ShopCountry[]> = {
  en: [
    { code: 'US', share: 0.62, zone: 'domestic', cities: [] },
    { code: 'CA', share: 0.09, zone: 'near', cities: [['Toronto', 'Ontario'], ['Montreal', 'Quebec'], ['Vancouver', 'British Columbia'], ['Calgary', 'Alberta'], ['Ottawa', 'Ontario']] },
    { code: 'MX', share: 0.03, zone: 'near', cities: [['Mexico City', 'CDMX'], ['Guadalajara', 'Jalisco'], ['Monterrey', 'Nuevo León'], ['Puebla', 'Puebla']] },
    { code: 'GB', share: 0.07, zone: 'international', cities: [['London', 'England'], ['Manchester', 'England'], ['Birmingham', 'England'], ['Glasgow', 'Scotland'], ['Leeds', 'England']] },
    { code: 'DE', share: 0.05, zone: 'international', cities: [['Berlin', 'Berlin'], ['Hamburg', 'Hamburg'], ['Munich', 'Bavaria'], ['Cologne', 'North Rhine-Westphalia'], ['Frankfurt', 'Hesse']] },
    { code: 'FR', share: 0.04, zone: 'international', cities: [['Paris', 'Île-de-France'], ['Marseille', "Provence-Alpes-Côte d'Azur"], ['Lyon', 'Auvergne-Rhône-Alpes'], ['Toulouse', 'Occitanie']] },
    { code: 'AU', share: 0.04, zone: 'far', cities: [['Sydney', 'New South Wales'], ['Melbourne', 'Victoria'], ['Brisbane', 'Queensland'], ['Perth', 'Western Australia']] },
    { code: 'JP', share: 0.03, zone: 'far', cities: [['Tokyo', 'Tokyo'], ['Osaka', 'Osaka'], ['Yokohama', 'Kanagawa'], ['Nagoya', 'Aichi']] },
    { code: 'BR', share: 0.02, zone: 'far', cities: [['São Paulo', 'São Paulo'], ['Rio de Janeiro', 'Rio de Janeiro'], ['Brasília', 'Distrito Federal']] },
    { code: 'KR', share: 0.01, zone: 'far', cities: [['Seoul', 'Seoul'], ['Busan', 'Busan'], ['Incheon', 'Incheon']] },
  ],
  ko: [
    { code: 'KR', share: 0.64, zone: 'domestic', cities: [] },
    { code: 'JP', share: 0.09, zone: 'near', cities: [['Tokyo', 'Tokyo'], ['Osaka', 'Osaka'], ['Fukuoka', 'Fukuoka'], ['Yokohama', 'Kanagawa']] },
    { code: 'CN', share: 0.05, zone: 'near', cities: [['Shanghai', 'Shanghai'], ['Beijing', 'Beijing'], ['Qingdao', 'Shandong'], ['Shenzhen', 'Guangdong']] },
    { code: 'TW', share: 0.04, zone: 'near', cities: [['Taipei', 'Taipei'], ['Kaohsiung', 'Kaohsiung'], ['Taichung', 'Taichung']] },
    { code: 'VN', share: 0.03, zone: 'international', cities: [['Ho Chi Minh City', 'Ho Chi Minh'], ['Hanoi', 'Hanoi'], ['Da Nang', 'Da Nang']] },
    { code: 'SG', share: 0.03, zone: 'international', cities: [['Singapore', 'Singapore']] },
    { code: 'US', share: 0.07, zone: 'far', cities: [['Los Angeles', 'California'], ['New York', 'New York'], ['Seattle', 'Washington'], ['Chicago', 'Illinois']] },
    { code: 'AU', share: 0.02, zone: 'far', cities: [['Sydney', 'New South Wales'], ['Melbourne', 'Victoria']] },
    { code: 'DE', share: 0.02, zone: 'far', cities: [['Berlin', 'Berlin'], ['Frankfurt', 'Hesse'], ['Munich', 'Bavaria']] },
    { code: 'CA', share: 0.01, zone: 'far', cities: [['Toronto', 'Ontario'], ['Vancouver', 'British Columbia']] },
  ],
};

/** The zone a parcel to `country` travels in; a country the shop does not list counts as far. */
export function shippingZone(locale: ShopLocale, country: string): ShippingZone {
  return SHOP_COUNTRIES[locale].find((c) => c.code === country)?.zone ?? 'far';
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
  /** Locations weighted by country share, then by population: a few big cities, a long tail. */
  locationChoice: WeightedChoice;
}

export interface Product {
  id: number;
  sku: string;
  name: string;
  category: string;
  brand: string;
  /** Shipping weight of one unit, in grams: what the shipping fee is charged on. */
  weightGrams: number;
  /** In cents (for KRW: whole won times 100, so DECIMAL(10,2) holds it unchanged). */
  priceCents: number;
  costCents: number;
  active: boolean;
  createdAt: number;
}

/**
 * Categories with typical price ranges in US dollars, their share of the catalogue, a unit's shipping weight
 * range in grams, and what their products are called: curated nouns (so an Electronics product is never a
 * sausage) and, where it makes sense, materials. Faker adds only the adjective.
 */
export const CATEGORIES: readonly {
  name: string; minUsd: number; maxUsd: number; share: number; minGrams: number; maxGrams: number;
  nouns: readonly string[]; materials: readonly string[];
}[] = [
  { name: 'Electronics', minUsd: 15, maxUsd: 1200, share: 0.14, minGrams: 80, maxGrams: 6000,
    nouns: ['Headphones', 'Earbuds', 'Bluetooth Speaker', 'Smartwatch', 'Tablet', 'Laptop', 'Monitor', 'Keyboard', 'Mouse', 'Webcam', 'Power Bank', 'USB-C Hub', 'Charger', 'Router', 'E-Reader', 'Action Camera', 'Drone', 'Soundbar', 'Projector', 'SSD Drive'],
    materials: ['Wireless', 'Portable', 'Compact', 'Pro', 'Mini', 'Smart', 'Noise-Cancelling', '4K'] },
  { name: 'Home & Kitchen', minUsd: 8, maxUsd: 400, share: 0.16, minGrams: 150, maxGrams: 9000,
    nouns: ['Frying Pan', 'Saucepan', 'Chef Knife', 'Cutting Board', 'Kettle', 'Blender', 'Coffee Maker', 'Toaster', 'Mixing Bowl', 'Dinner Plate Set', 'Mug', 'Table Lamp', 'Throw Pillow', 'Bath Towel', 'Storage Box', 'Vacuum Cleaner', 'Rice Cooker', 'Cookware Set'],
    materials: ['Stainless Steel', 'Cast Iron', 'Ceramic', 'Bamboo', 'Glass', 'Wooden', 'Cotton', 'Linen', 'Non-Stick'] },
  { name: 'Fashion', minUsd: 12, maxUsd: 250, share: 0.18, minGrams: 120, maxGrams: 1800,
    nouns: ['T-Shirt', 'Hoodie', 'Jacket', 'Jeans', 'Dress', 'Skirt', 'Sweater', 'Sneakers', 'Boots', 'Scarf', 'Backpack', 'Handbag', 'Belt', 'Cap', 'Socks', 'Coat'],
    materials: ['Cotton', 'Wool', 'Linen', 'Denim', 'Leather', 'Cashmere', 'Silk', 'Fleece'] },
  { name: 'Beauty', minUsd: 5, maxUsd: 120, share: 0.12, minGrams: 40, maxGrams: 700,
    nouns: ['Face Cream', 'Serum', 'Cleanser', 'Sunscreen', 'Lip Balm', 'Shampoo', 'Conditioner', 'Hand Cream', 'Face Mask', 'Perfume', 'Body Lotion', 'Toner', 'Eye Cream', 'Soap'],
    materials: ['Hydrating', 'Vitamin C', 'Aloe', 'Green Tea', 'Hyaluronic', 'Unscented', 'Rose', 'Charcoal'] },
  { name: 'Sports & Outdoors', minUsd: 10, maxUsd: 500, share: 0.1, minGrams: 150, maxGrams: 12000,
    nouns: ['Yoga Mat', 'Dumbbell Set', 'Running Shoes', 'Tent', 'Sleeping Bag', 'Water Bottle', 'Hiking Backpack', 'Bike Helmet', 'Tennis Racket', 'Football', 'Jump Rope', 'Camping Chair', 'Trekking Poles'],
    materials: ['Lightweight', 'Waterproof', 'Aluminum', 'Carbon', 'Insulated', 'Foldable', 'Nylon'] },
  { name: 'Books', minUsd: 6, maxUsd: 60, share: 0.1, minGrams: 150, maxGrams: 1400,
    nouns: ['Novel', 'Cookbook', 'Travel Guide', 'Biography', 'Poetry Collection', 'Graphic Novel', 'Textbook', 'Picture Book', 'Notebook', 'Atlas', 'Thriller', 'Essay Collection'],
    materials: ['Hardcover', 'Paperback', 'Illustrated', 'Annotated', 'Collector\'s'] },
  { name: 'Toys & Games', minUsd: 7, maxUsd: 150, share: 0.08, minGrams: 100, maxGrams: 3500,
    nouns: ['Building Blocks', 'Puzzle', 'Board Game', 'Card Game', 'Plush Bear', 'Toy Car', 'Doll', 'Kite', 'Train Set', 'Science Kit', 'Robot Kit', 'Play Tent'],
    materials: ['Wooden', 'Plush', 'Magnetic', 'Remote-Control', 'Educational', '1000-Piece'] },
  { name: 'Grocery', minUsd: 3, maxUsd: 45, share: 0.08, minGrams: 100, maxGrams: 3000,
    nouns: ['Coffee Beans', 'Green Tea', 'Olive Oil', 'Pasta', 'Granola', 'Chocolate Bar', 'Honey', 'Rice', 'Hot Sauce', 'Almonds', 'Sea Salt', 'Cookies', 'Sausages', 'Cheese'],
    materials: ['Organic', 'Roasted', 'Extra Virgin', 'Smoked', 'Wholegrain', 'Spicy', 'Dark'] },
  { name: 'Pet Supplies', minUsd: 4, maxUsd: 90, share: 0.04, minGrams: 100, maxGrams: 12000,
    nouns: ['Dog Food', 'Cat Food', 'Cat Litter', 'Dog Leash', 'Pet Bed', 'Chew Toy', 'Scratching Post', 'Pet Bowl', 'Aquarium Filter', 'Bird Seed'],
    materials: ['Grain-Free', 'Orthopedic', 'Rope', 'Stainless Steel', 'Plush', 'Reflective'] },
];

export const KRW_PER_USD = 1350;

function fakerFor(locale: ShopLocale, seed: number): Faker {
  // Faker (~300 ms to load) is needed only when a shop is generated, not by every module that imports the catalogue.
  const { Faker: Maker, base, en, ko } = require('@faker-js/faker') as typeof import('@faker-js/faker');
  return new Maker({ locale: locale === 'ko' ? [ko, en, base] : [en, base], seed });
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
  const countries = SHOP_COUNTRIES[locale];
  const home = countries[0];
  const locations: Location[] = [];
  const weights: number[] = [];
  for (const c of countries) {
    const cities = c === home
      ? uniqueList(() => `${faker.location.city()}\u0000${faker.location.state()}`, 250).map((s) => s.split('\u0000') as [string, string])
      : c.cities;
    // Zipf-like city sizes within a country: the first cities of the list are the big ones.
    const zipf = cities.map((_, i) => 1 / Math.pow(i + 1, 0.8));
    const sum = zipf.reduce((a, b) => a + b, 0);
    cities.forEach(([city, region], i) => {
      locations.push({ city, region, country: c.code });
      weights.push((c.share * zipf[i]) / sum);
    });
  }
  const locationChoice = new WeightedChoice(weights);
  return {
    locale,
    country: home.code,
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
  // Names are English in both shops (as many Korean shops label imported goods); the ko shop's brands stay Korean.
  const namer = fakerFor('en', seed + 3);
  // Faker's adjectives, less the ones that make a laptop sound edible or worn.
  const adjectives = uniqueList(() => namer.commerce.productAdjective(), 60).filter((a) => !/tasty|fresh|soft|cotton|frozen|oriental|electronic/i.test(a)).sort();
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
    const grams = Math.exp(Math.log(cat.minGrams) + rng.next() * (Math.log(cat.maxGrams) - Math.log(cat.minGrams)));
    // "<adjective> <material> <noun>": the noun and material fit the category; only the adjective is Faker's.
    const adjective = rng.pick(adjectives);
    const material = rng.chance(0.6) ? rng.pick(cat.materials) + ' ' : '';
    products.push({
      id,
      sku: `${cat.name.slice(0, 3).toUpperCase()}-${String(id).padStart(6, '0')}`,
      name: `${adjective} ${material}${rng.pick(cat.nouns)}`,
      category: cat.name,
      brand: rng.pick(brands[c]),
      weightGrams: Math.max(10, Math.round(grams / 10) * 10),
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
