/**
 * Charts for the mart, as vega-lite v5 specs. Builders return a spec; `chartBundle` (render.ts) renders it
 * (SVG by vega's headless view, PNG by resvg) into ONE output carrying every representation:
 * the vega-lite spec (interactive in JupyterLab, Notebook 7, VS Code), SVG (nbconvert HTML, classic
 * notebook), PNG (GitHub's preview) and a line of text.
 *
 * Why vega-lite 5 and vega 5: the tslab kernel loads their CommonJS builds, and the frontends know the
 * `application/vnd.vegalite.v5+json` type (there is no v6 renderer in Jupyter).
 */
import type { TopLevelSpec } from 'vega-lite';
import { toRows, type TableData, type Rows } from '../core/rows';

export type VegaLiteSpec = TopLevelSpec;

/** One palette for every chart and the dashboard: colour-blind friendly (Tableau 10, reordered). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** How a measure reads: money gets the currency in its title and separators; shares read as percent. */
export type MeasureFormat = 'currency' | 'integer' | 'number' | 'percent';

/** Currency of money columns (the generated shop sells in USD; the Korean locale in KRW). */
let currency = 'USD';
/** Symbols of the shops' currencies; d3-format's `$` prints the one the chart's locale names. */
const CURRENCY_SYMBOLS: Record<string, string> = { USD: '$', KRW: '₩', EUR: '€', GBP: '£', JPY: '¥' };
/** Currencies without a minor unit: amounts read in whole units. */
const WHOLE_UNITS = new Set(['KRW', 'JPY']);

/** Sets the currency every chart made after this call shows (the dashboard reads it from the mart). */
export function setChartCurrency(code: string): void {
  currency = code;
}
export function chartCurrency(): string {
  return currency;
}
export function currencySymbol(code = currency): string {
  return CURRENCY_SYMBOLS[code] ?? code + ' ';
}
/** d3 number formats for money: axes in whole units; tooltips with cents where the currency has them. */
export function moneyFormat(where: 'axis' | 'tooltip'): string {
  return where === 'axis' || WHOLE_UNITS.has(currency) ? '$,.0f' : '$,.2f';
}
/** "Revenue" -> "Revenue (USD)": every money title says its unit. */
export function moneyTitle(title: string): string {
  return title.includes(currency) ? title : `${title} (${currency})`;
}
/** The vega number locale whose `$` is the current currency's symbol. */
function numberLocale() {
  return { decimal: '.', thousands: ',', grouping: [3], currency: [currencySymbol(), ''] };
}

function axisFormat(format: MeasureFormat | undefined): string | undefined {
  switch (format) {
    case 'currency': return moneyFormat('axis');
    case 'integer': return ',.0f';
    case 'percent': return '.1~%';
    case 'number': return ',.2~f';
    default: return undefined;
  }
}

function tooltipFormat(format: MeasureFormat | undefined): string | undefined {
  switch (format) {
    case 'currency': return moneyFormat('tooltip');
    case 'percent': return '.1%';
    default: return axisFormat(format);
  }
}

/** "Revenue" + currency -> "Revenue (USD)", so every money axis says its unit. */
function withUnit(title: string, format: MeasureFormat | undefined): string {
  if (format === 'currency' && !title.includes(currency)) return `${title} (${currency})`;
  return title;
}

const humanize = (field: string) => field.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** The look every chart shares: font resvg and browsers both have, left titles, quiet grid, the palette. */
export const CHART_CONFIG = {
  font: 'Liberation Sans, Arial, Helvetica, sans-serif',
  background: 'white',
  padding: 12,
  title: { fontSize: 15, fontWeight: 600, anchor: 'start', subtitleFontSize: 12, subtitleColor: '#666', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, titleColor: '#333', labelColor: '#444', gridColor: '#eee', domainColor: '#999', tickColor: '#999', labelLimit: 220, titlePadding: 8 },
  // A value axis drops labels that would touch ("$30,000$35,000") rather than print them run together.
  axisQuantitative: { labelOverlap: true, labelSeparation: 8 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 200 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  range: { category: PALETTE, heatmap: { scheme: 'blues' }, ramp: { scheme: 'blues' } },
  mark: { color: PALETTE[0] },
  view: { stroke: null },
} as const;

/** Common options of every builder. */
export interface ChartOptions {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
}

/**
 * Any vega-lite spec with rows attached: adds the data (query rows or a DataFrame), the shared look,
 * the schema and a default size. Builders use it; a notebook can too, for a chart no builder makes.
 */
export function chart(spec: Record<string, unknown>, data?: TableData): VegaLiteSpec {
  const out: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...spec,
    config: { ...CHART_CONFIG, locale: { number: numberLocale() }, ...((spec.config as object | undefined) ?? {}) },
  };
  if (data !== undefined) out.data = { values: toRows(data) };
  const composite = ['hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in spec);
  if (!composite) {
    out.width ??= 560;
    out.height ??= 300;
  }
  return out as unknown as VegaLiteSpec;
}

function titleOf(o: ChartOptions) {
  return o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title;
}

export interface BarChartOptions extends ChartOptions {
  /** Category field. */
  x: string;
  /** Measure field. */
  y: string;
  xTitle?: string;
  yTitle?: string;
  yFormat?: MeasureFormat;
  /** Field that colours (and stacks) the bars. */
  color?: string;
  colorTitle?: string;
  /** Bars drawn sideways, the readable choice for long names (products, segments). Default: true when there are more than 6 categories or long names. */
  horizontal?: boolean;
  /** Category order: by the measure, biggest first (default), or as the rows come ('none'), or alphabetical. */
  sort?: 'value' | 'none' | 'name';
  /** Extra fields to show on hover. */
  tooltip?: { field: string; title?: string; format?: MeasureFormat }[];
}

function tooltips(extra: BarChartOptions['tooltip'] = [], base: object[]): object[] {
  return [
    ...base,
    ...extra.map((t) => ({ field: t.field, type: t.format ? 'quantitative' : 'nominal', title: t.title ?? humanize(t.field), ...(t.format ? { format: tooltipFormat(t.format) } : {}) })),
  ];
}

/** Bars of a measure per category, sorted biggest first, labelled with units. */
export function barChart(data: TableData, o: BarChartOptions): VegaLiteSpec {
  const rows = toRows(data);
  const categories = new Set(rows.map((r) => r[o.x])).size;
  const horizontal = o.horizontal ?? (categories > 6 || rows.some((r) => String(r[o.x]).length > 14));
  const sortAxis = horizontal ? '-x' : '-y';
  const sort = o.sort === 'none' ? null : o.sort === 'name' ? 'ascending' : sortAxis;
  const cat = { field: o.x, type: 'nominal', title: o.xTitle ?? humanize(o.x), sort, axis: horizontal ? { labelLimit: 260 } : { labelAngle: categories > 6 ? -40 : 0, labelLimit: 140 } };
  const measure = { field: o.y, type: 'quantitative', aggregate: 'sum', title: withUnit(o.yTitle ?? humanize(o.y), o.yFormat), axis: { format: axisFormat(o.yFormat) } };
  const encoding: Record<string, unknown> = {
    [horizontal ? 'y' : 'x']: cat,
    [horizontal ? 'x' : 'y']: measure,
    tooltip: tooltips(o.tooltip, [
      { field: o.x, type: 'nominal', title: cat.title },
      ...(o.color ? [{ field: o.color, type: 'nominal', title: o.colorTitle ?? humanize(o.color) }] : []),
      { field: o.y, type: 'quantitative', aggregate: 'sum', title: measure.title, format: tooltipFormat(o.yFormat) },
    ]),
  };
  if (o.color) encoding.color = { field: o.color, type: 'nominal', title: o.colorTitle ?? humanize(o.color) };
  return chart(
    {
      title: titleOf(o),
      width: o.width ?? (horizontal ? 480 : Math.max(360, Math.min(720, categories * 48))),
      height: o.height ?? (horizontal ? Math.max(160, categories * 22) : 300),
      mark: { type: 'bar', cornerRadiusEnd: 2, ...(o.color ? {} : { color: PALETTE[0] }) },
      encoding,
    },
    rows,
  );
}

export interface LineChartOptions extends ChartOptions {
  /** Date or timestamp field. */
  x: string;
  /** Measure field. */
  y: string;
  /** Field whose values are separate lines (e.g. category). */
  series?: string;
  seriesTitle?: string;
  xTitle?: string;
  yTitle?: string;
  yFormat?: MeasureFormat;
  /** Grain of the time axis; 'day' by default, 'month' sums days into months. */
  timeUnit?: 'day' | 'week' | 'month' | 'quarter' | 'year';
  /** Area under the line (stacked when there is a series). */
  area?: boolean;
  /** Adds a date-range brush named `brush` (drag on the chart) that a dashboard can listen to. */
  brush?: boolean;
}

const TIME_UNITS = { day: 'utcyearmonthdate', week: 'utcyearweek', month: 'utcyearmonth', quarter: 'utcyearquarter', year: 'utcyear' } as const;
const TIME_FORMATS = { day: '%b %d, %Y', week: '%b %d, %Y', month: '%b %Y', quarter: 'Q%q %Y', year: '%Y' } as const;

/** A measure over time: line or area, one line per series, dates read in UTC (how the warehouse stores them). */
export function lineChart(data: TableData, o: LineChartOptions): VegaLiteSpec {
  const unit = o.timeUnit ?? 'day';
  const x = { field: o.x, type: 'temporal', timeUnit: TIME_UNITS[unit], title: o.xTitle ?? humanize(o.x), axis: { format: TIME_FORMATS[unit], labelAngle: 0, labelOverlap: true, tickCount: 8 } };
  const y = { field: o.y, type: 'quantitative', aggregate: 'sum', title: withUnit(o.yTitle ?? humanize(o.y), o.yFormat), axis: { format: axisFormat(o.yFormat) }, ...(o.area && o.series ? { stack: 'zero' } : {}) };
  const color = o.series ? { field: o.series, type: 'nominal', title: o.seriesTitle ?? humanize(o.series) } : undefined;
  const tip = [
    { field: o.x, type: 'temporal', timeUnit: TIME_UNITS[unit], title: x.title, format: TIME_FORMATS[unit] },
    ...(o.series ? [{ field: o.series, type: 'nominal', title: color!.title }] : []),
    { field: o.y, type: 'quantitative', aggregate: 'sum', title: y.title, format: tooltipFormat(o.yFormat) },
  ];
  const line = {
    mark: o.area ? { type: 'area', line: true, opacity: 0.35, interpolate: 'monotone' } : { type: 'line', interpolate: 'monotone', strokeWidth: 2 },
    encoding: { x, y, ...(color ? { color } : {}) },
    ...(o.brush ? { params: [{ name: 'brush', select: { type: 'interval', encodings: ['x'] } }] } : {}),
  };
  // Invisible points give the hover tooltip a target on each date (a line alone has none).
  const points = { mark: { type: 'point', opacity: 0, size: 80 }, encoding: { x, y, ...(color ? { color } : {}), tooltip: tip } };
  return chart({ title: titleOf(o), width: o.width ?? 640, height: o.height ?? 280, layer: [line, points] }, data);
}

export interface HeatmapChartOptions extends ChartOptions {
  /** Column field (e.g. months since first order). */
  x: string;
  /** Row field (e.g. cohort month). */
  y: string;
  /** Cell value (e.g. retention rate). */
  value: string;
  xTitle?: string;
  yTitle?: string;
  valueTitle?: string;
  valueFormat?: MeasureFormat;
  /** Print each cell's value in it (default true while the grid is small enough to read). */
  labels?: boolean;
  /** The y field is a date: show it as a month ("Jan 2026"). Default true. */
  yIsMonth?: boolean;
}

/** A grid coloured by value, for cohorts: rows are cohorts, columns the months since they started. */
export function heatmapChart(data: TableData, o: HeatmapChartOptions): VegaLiteSpec {
  const rows = toRows(data);
  const xs = new Set(rows.map((r) => r[o.x])).size;
  const ys = new Set(rows.map((r) => r[o.y])).size;
  const yIsMonth = o.yIsMonth ?? true;
  const y = yIsMonth
    ? { field: o.y, type: 'ordinal', timeUnit: 'utcyearmonth', title: o.yTitle ?? humanize(o.y), axis: { format: '%b %Y' } }
    : { field: o.y, type: 'ordinal', title: o.yTitle ?? humanize(o.y) };
  const x = { field: o.x, type: 'ordinal', title: o.xTitle ?? humanize(o.x), axis: { labelAngle: 0 } };
  const valueTitle = withUnit(o.valueTitle ?? humanize(o.value), o.valueFormat);
  const color = { field: o.value, type: 'quantitative', title: valueTitle, scale: { scheme: 'blues' }, legend: { format: axisFormat(o.valueFormat) } };
  const cell = Math.max(18, Math.min(36, Math.floor(560 / Math.max(1, xs))));
  const layers: object[] = [
    {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        x, y, color,
        tooltip: [
          { ...y, type: y.type },
          { field: o.x, type: 'ordinal', title: x.title },
          { field: o.value, type: 'quantitative', title: valueTitle, format: tooltipFormat(o.valueFormat) },
        ],
      },
    },
  ];
  if (o.labels ?? (xs <= 16 && ys <= 24)) {
    layers.push({
      mark: { type: 'text', fontSize: 9 },
      encoding: {
        x, y,
        text: { field: o.value, type: 'quantitative', format: o.valueFormat === 'percent' ? '.0%' : axisFormat(o.valueFormat) },
        // Dark cells get white text so the number stays readable.
        color: { condition: { test: `datum['${o.value}'] > 0.5 * ${maxOf(rows, o.value)}`, value: 'white' }, value: '#222' },
      },
    });
  }
  return chart({ title: titleOf(o), width: o.width ?? xs * cell, height: o.height ?? ys * Math.min(cell, 24), layer: layers }, rows);
}

function maxOf(rows: Rows, field: string): number {
  let max = 0;
  for (const r of rows) if (typeof r[field] === 'number' && (r[field] as number) > max) max = r[field] as number;
  return max || 1;
}

export interface ScatterChartOptions extends ChartOptions {
  x: string;
  y: string;
  xTitle?: string;
  yTitle?: string;
  xFormat?: MeasureFormat;
  yFormat?: MeasureFormat;
  /** Field that colours points (e.g. RFM segment). */
  color?: string;
  colorTitle?: string;
  /** Field that sizes points. */
  size?: string;
  sizeTitle?: string;
  /** Field named on hover (e.g. customer or product name). */
  label?: string;
  /** Log scale on x / y for long-tailed money. */
  logX?: boolean;
  logY?: boolean;
}

/** Two measures against each other, one point per row, named on hover. */
export function scatterChart(data: TableData, o: ScatterChartOptions): VegaLiteSpec {
  const rows = toRows(data);
  // Counts (orders per customer) get whole-number ticks, not 1.5 orders.
  const whole = (f: string) => rows.every((r) => r[f] == null || Number.isInteger(r[f]));
  const axis = (f: string, format: MeasureFormat | undefined) => ({ format: axisFormat(format ?? (whole(f) ? 'integer' : undefined)), ...(whole(f) ? { tickMinStep: 1 } : {}) });
  const x = { field: o.x, type: 'quantitative', title: withUnit(o.xTitle ?? humanize(o.x), o.xFormat), axis: axis(o.x, o.xFormat), scale: o.logX ? { type: 'log' } : { zero: false } };
  const y = { field: o.y, type: 'quantitative', title: withUnit(o.yTitle ?? humanize(o.y), o.yFormat), axis: axis(o.y, o.yFormat), scale: o.logY ? { type: 'log' } : { zero: false } };
  const encoding: Record<string, unknown> = {
    x, y,
    tooltip: [
      ...(o.label ? [{ field: o.label, type: 'nominal', title: humanize(o.label) }] : []),
      ...(o.color ? [{ field: o.color, type: 'nominal', title: o.colorTitle ?? humanize(o.color) }] : []),
      { field: o.x, type: 'quantitative', title: x.title, format: tooltipFormat(o.xFormat) },
      { field: o.y, type: 'quantitative', title: y.title, format: tooltipFormat(o.yFormat) },
      ...(o.size ? [{ field: o.size, type: 'quantitative', title: o.sizeTitle ?? humanize(o.size) }] : []),
    ],
  };
  if (o.color) encoding.color = { field: o.color, type: 'nominal', title: o.colorTitle ?? humanize(o.color) };
  if (o.size) encoding.size = { field: o.size, type: 'quantitative', title: o.sizeTitle ?? humanize(o.size) };
  return chart({ title: titleOf(o), width: o.width ?? 520, height: o.height ?? 320, mark: { type: 'circle', opacity: 0.7, stroke: 'white', strokeWidth: 0.5 }, encoding }, rows);
}

/** One headline number. */
export interface KpiTile {
  label: string;
  value: number;
  format?: MeasureFormat;
  /** Small print under the number, e.g. "last 30 days". */
  note?: string;
}

/** Formats a headline number the way the tiles and the dashboard show it. */
export function formatKpi(value: number, format: MeasureFormat = 'number'): string {
  switch (format) {
    case 'currency': return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: Math.abs(value) >= 1000 ? 0 : 2 }).format(value);
    case 'integer': return Math.round(value).toLocaleString('en-US');
    case 'percent': return `${(value * 100).toFixed(1)}%`;
    default: return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
}

/** Headline numbers side by side (revenue, orders, AOV, customers...), as one chart. */
export function kpiTiles(tiles: KpiTile[], options: Partial<ChartOptions> = {}): VegaLiteSpec {
  const rows = tiles.map((t, i) => ({ i, label: t.label, text: formatKpi(t.value, t.format), note: t.note ?? '' }));
  const tileWidth = 170;
  const x = { field: 'i', type: 'ordinal', axis: null, scale: { paddingInner: 0.08, paddingOuter: 0 } };
  return chart(
    {
      ...(options.title ? { title: titleOf(options as ChartOptions) } : {}),
      width: options.width ?? tiles.length * tileWidth,
      height: options.height ?? 96,
      layer: [
        { mark: { type: 'bar', color: '#f4f6f9', stroke: '#d8dee6', cornerRadius: 6 }, encoding: { x, y: { datum: 1, type: 'quantitative', axis: null, scale: { domain: [0, 1] } } } },
        { mark: { type: 'text', fontSize: 12, color: '#555', dy: -28 }, encoding: { x, text: { field: 'label' } } },
        { mark: { type: 'text', fontSize: 24, fontWeight: 700, color: PALETTE[0], dy: 2 }, encoding: { x, text: { field: 'text' } } },
        { mark: { type: 'text', fontSize: 10, color: '#888', dy: 28 }, encoding: { x, text: { field: 'note' } } },
      ],
      encoding: { tooltip: [{ field: 'label', title: 'Measure' }, { field: 'text', title: 'Value' }] },
    },
    rows,
  );
}

