/** Step 6, charts: vega-lite specs, rendering to SVG/PNG, the dashboard file and the model catalog. */
export * from './specs';
export * from './render';
export * from './views';
export * from './page';
export * from './dashboard';
export * from './catalog';
