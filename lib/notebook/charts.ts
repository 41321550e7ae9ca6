/** Charts in the notebook: the bundle charts/render.ts makes, sent to the kernel as one output. */
import { chartBundle, type ChartBundle } from '../charts/render';
import type { VegaLiteSpec } from '../charts/specs';
import { displayBundle } from './display';

/**
 * Displays a chart in the notebook as one output (interactive vega-lite where the frontend renders it,
 * SVG/PNG elsewhere). Returns nothing in a notebook; outside one, returns the bundle it would show.
 */
export async function showChart(spec: VegaLiteSpec): Promise<ChartBundle | undefined> {
  const bundle = await chartBundle(spec);
  return displayBundle(bundle) ? undefined : bundle;
}
