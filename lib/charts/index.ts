/** Step 6, charts: vega-lite specs, rendering to SVG/PNG, and the dashboard file. */
export * from './specs';
export * from './render';
export * from './views';
export * from './page';
export * from './dashboard';
