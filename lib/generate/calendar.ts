/**
 * The shop's calendar: which days sell how much. A fixed two-year history (2024-01-01 to 2025-12-31 in the
 * shop's own time zone) so the same seed gives the same shop whatever day you run it; --append continues
 * the same curves past the end.
 *
 * Time zones, deliberately: people shop by their local clock (evenings, weekends, local holidays), the
 * database stores UTC. The en shop lives at UTC-5 (US East), the ko shop at UTC+9 (Seoul). Daylight saving is
 * ignored on purpose: a fixed offset keeps the calendar simple and reproducible.
 */
import type { RunOptions } from '../core/steps';

export const DAY_MS = 86_400_000;
export type ShopLocale = RunOptions['locale'];

/** First local day of the history and how many days it spans (2024 is a leap year: 366 + 365). */
export const HISTORY_FIRST_DAY = Date.UTC(2024, 0, 1) / DAY_MS;
export const HISTORY_DAYS = 731;

export const SHOP_UTC_OFFSET_MINUTES: Record<ShopLocale, number> = { en: -300, ko: 540 };

/** UTC epoch milliseconds of a moment given as local day number + milliseconds into that local day. */
export function localToUtc(locale: ShopLocale, day: number, msOfDay = 0): number {
  return day * DAY_MS + msOfDay - SHOP_UTC_OFFSET_MINUTES[locale] * 60_000;
}

/** The local day number a UTC moment falls on. */
export function utcToLocalDay(locale: ShopLocale, utcMs: number): number {
  return Math.floor((utcMs + SHOP_UTC_OFFSET_MINUTES[locale] * 60_000) / DAY_MS);
}

/** The end of the generated history, as a UTC moment (exclusive): nothing in a fresh shop happens at or after it. */
export function historyEndUtc(locale: ShopLocale): number {
  return localToUtc(locale, HISTORY_FIRST_DAY + HISTORY_DAYS);
}

// Lunar holidays move every year; these are the published dates (first day of the three-day holiday).
const SEOLLAL: Record<number, [number, number]> = { 2024: [1, 9], 2025: [0, 28], 2026: [1, 16], 2027: [1, 6], 2028: [0, 26] };
const CHUSEOK: Record<number, [number, number]> = { 2024: [8, 16], 2025: [9, 5], 2026: [8, 24], 2027: [8, 14], 2028: [9, 2] };

/** Day number of the nth weekday (0 = Sunday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = Date.UTC(year, month, 1) / DAY_MS;
  const firstWeekday = new Date(first * DAY_MS).getUTCDay();
  return first + ((weekday - firstWeekday + 7) % 7) + 7 * (n - 1);
}

function holidayFactor(locale: ShopLocale, day: number): number {
  const date = new Date(day * DAY_MS);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const dom = date.getUTCDate();
  const blackFriday = nthWeekday(year, 10, 4, 4) + 1;
  let f = 1;
  if (day === blackFriday) f *= locale === 'en' ? 3.2 : 1.8;
  else if (day === blackFriday + 3) f *= locale === 'en' ? 2.6 : 1.4; // Cyber Monday
  else if (day > blackFriday && day < blackFriday + 3) f *= 1.7;
  if (month === 11 && dom >= 1 && dom <= 20) f *= 1.35; // gift season
  if (month === 11 && dom >= 24 && dom <= 26) f *= 0.6; // everyone is away from screens
  if (month === 1 && dom >= 7 && dom <= 13) f *= 1.2; // Valentine's Day gifts
  if (locale === 'en') {
    if (month === 6 && (dom === 9 || dom === 10)) f *= 1.8; // mid-July marketplace sale
    if (day === nthWeekday(year, 4, 0, 2) - 3) f *= 1.3; // before Mother's Day
  } else {
    if (month === 10 && dom === 11) f *= 2.4; // 11.11 sale
    for (const table of [SEOLLAL, CHUSEOK]) {
      const md = table[year];
      if (!md) continue;
      const start = Date.UTC(year, md[0], md[1]) / DAY_MS;
      if (day >= start - 10 && day < start - 1) f *= 1.5; // gift sets before the holiday
      else if (day >= start && day < start + 3) f *= 0.55; // the holiday itself
    }
  }
  return f;
}

// Monday is 1; online shops sell most early in the week and on Sunday evening, least on Saturday.
const WEEKDAY: Record<ShopLocale, number[]> = {
  en: [1.12, 1.1, 1.02, 0.98, 0.97, 0.9, 0.86],
  ko: [1.08, 1.12, 1.05, 1.0, 0.98, 0.88, 0.9],
};

/**
 * Relative demand of one local day: growth (about +60% a year), weekly rhythm, a yearly wave peaking in
 * December with a summer lull, and holiday peaks. Only ratios matter: orders are spread by these weights.
 */
export function dayWeight(locale: ShopLocale, day: number): number {
  const years = (day - HISTORY_FIRST_DAY) / 365;
  const growth = Math.exp(0.47 * years);
  const dayOfYear = (day - Date.UTC(new Date(day * DAY_MS).getUTCFullYear(), 0, 1) / DAY_MS) / 365;
  const yearly = 1 + 0.12 * Math.cos(2 * Math.PI * (dayOfYear - 0.96)) - 0.06 * Math.cos(2 * Math.PI * (dayOfYear - 0.6));
  const weekday = WEEKDAY[locale][new Date(day * DAY_MS).getUTCDay()];
  return growth * yearly * weekday * holidayFactor(locale, day);
}

/** Promotion days: discounts are deeper and more frequent on peak holiday days. */
export function isPromotionDay(locale: ShopLocale, day: number): boolean {
  return holidayFactor(locale, day) >= 1.7;
}

/** Local hour-of-day profile: a morning rise, a lunch bump and the evening peak. */
export const HOUR_WEIGHTS = [
  1.2, 0.8, 0.5, 0.3, 0.25, 0.3, 0.6, 1.2, 2.0, 2.6, 3.0, 3.3,
  3.8, 3.6, 3.3, 3.2, 3.3, 3.6, 4.0, 4.6, 5.0, 4.8, 3.8, 2.3,
];

/**
 * Spreads `total` orders over `days` local days by weight so the counts sum to exactly `total`
 * (cumulative rounding: no day's share drifts, whatever the number of days).
 */
export function ordersPerDay(locale: ShopLocale, firstDay: number, days: number, total: number): number[] {
  const weights = Array.from({ length: days }, (_, i) => dayWeight(locale, firstDay + i));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts: number[] = [];
  let cumulative = 0;
  let assigned = 0;
  for (const w of weights) {
    cumulative += w;
    const upTo = Math.round((total * cumulative) / sum);
    counts.push(upTo - assigned);
    assigned = upTo;
  }
  return counts;
}

/** Sum of the history's day weights: append mode turns it into an orders-per-weight rate. */
export function historyWeight(locale: ShopLocale): number {
  let sum = 0;
  for (let d = 0; d < HISTORY_DAYS; d++) sum += dayWeight(locale, HISTORY_FIRST_DAY + d);
  return sum;
}
