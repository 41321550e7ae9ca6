/**
 * Turning a vega-lite spec into what a notebook output carries. vega-lite compiles the spec to vega;
 * vega's headless View (renderer 'none', no canvas needed) writes SVG; resvg, a Rust rasteriser that
 * ships its own binary, turns the SVG into PNG with the system fonts.
 */
import type * as vega from 'vega';

// vega, vega-lite and resvg (~0.5 s to load together) load with the first chart drawn, not with the lib.
const vegaLib = () => require('vega') as typeof import('vega');
const vegaLiteLib = () => require('vega-lite') as typeof import('vega-lite');
const resvgLib = () => require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
import { OrderHeError } from '../core/errors';
import type { MimeBundle } from '../core/rows';
import type { VegaLiteSpec } from './specs';

export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

export interface RenderedChart {
  spec: VegaLiteSpec;
  svg: string;
  png: Buffer;
  /** Marks drawn, counted from the scenegraph (a chart with 0 has nothing to show). */
  marks: number;
}

/** The one display output of a chart: vega-lite object + SVG + PNG (base64) + text. No text/html on purpose (JupyterLab would prefer it). */
export type ChartBundle = MimeBundle;

/** Compiles and draws a spec in Node. Throws an OrderHeError naming the chart when the spec is wrong. */
export async function renderChart(spec: VegaLiteSpec, options: { scale?: number } = {}): Promise<RenderedChart> {
  let view: vega.View | undefined;
  try {
    const compiled = vegaLiteLib().compile(spec).spec;
    const { View, parse } = vegaLib();
    view = new View(parse(compiled), { renderer: 'none' });
    await view.runAsync();
    const svg = await view.toSVG();
    const marks = countMarks((view.scenegraph() as unknown as { root: SceneItem }).root);
    const { Resvg } = resvgLib();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: options.scale ?? 2 },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'Liberation Sans' },
    })
      .render()
      .asPng();
    return { spec, svg, png, marks };
  } catch (err) {
    throw new OrderHeError(
      `Chart "${chartTitle(spec)}" could not be drawn: ${(err as Error).message}`,
      'Check the field names in the spec against the columns of the rows (showTable(rows) lists them).',
      { cause: err },
    );
  } finally {
    view?.finalize();
  }
}

interface SceneItem { marktype?: string; role?: string; items?: SceneItem[] }

/** Counts data marks (bars, points, lines, rects, text of data), not axes, legends or titles. */
export function countMarks(node: SceneItem): number {
  let n = 0;
  // Guides' marks carry roles like 'axis-label' or 'legend-symbol'; only data marks have role 'mark'.
  const walk = (item: SceneItem) => {
    if (item.marktype && item.marktype !== 'group' && item.role === 'mark') n += item.items?.length ?? 0;
    for (const child of item.items ?? []) walk(child);
  };
  walk(node);
  return n;
}

export function chartTitle(spec: VegaLiteSpec): string {
  const t = (spec as { title?: string | { text?: string | string[] } }).title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object') return Array.isArray(t.text) ? t.text.join(' ') : t.text ?? 'untitled';
  return 'untitled';
}

export async function chartBundle(spec: VegaLiteSpec): Promise<ChartBundle> {
  const r = await renderChart(spec);
  const data = (spec as { data?: { values?: unknown[] } }).data?.values;
  return {
    [VEGA_LITE_MIME]: spec,
    'image/svg+xml': r.svg,
    'image/png': r.png.toString('base64'),
    'text/plain': `Chart: ${chartTitle(spec)}${data ? ` (${data.length} rows)` : ''}`,
  };
}
