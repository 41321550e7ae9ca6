/**
 * The dashboard as ONE self-contained HTML file: vega's browser build inlined, every view pre-compiled from
 * vega-lite to vega in Node (so vega-lite and vega-embed are not needed in the page), the data inside the
 * specs, and a Content-Security-Policy that forbids every network fetch, so "works offline" is enforced,
 * not hoped for. A small script draws each view with vega's View, shows tooltips, and wires the selections.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { VegaLiteSpec } from './specs';
import { PALETTE } from './specs';

export interface KpiDay {
  /** ms since epoch, UTC midnight */
  t: number;
  revenue: number;
  sales_orders: number;
  orders: number;
  cancelled_orders: number;
  items_sold: number;
}

export interface DashboardPage {
  title: string;
  subtitle: string;
  /** Panel id -> vega-lite spec; the page shows them in this order. */
  views: Record<string, VegaLiteSpec>;
  /** Daily numbers the KPI tiles sum over the picked range. */
  days: KpiDay[];
  /** The same per destination country, for the tiles when a country is clicked on the map. */
  countries: Record<string, { customers: number; days: KpiDay[] }>;
  customers: number;
  /** ISO 4217 code of the shop's currency: the tiles format money in it. */
  currency: string;
  generatedAt: string;
}

/** vega's own browser build, from node_modules (vega 5, the version the notebooks use). */
function vegaBrowserBuild(): string {
  const file = path.join(path.dirname(require.resolve('vega/package.json')), 'build', 'vega.min.js');
  return fs.readFileSync(file, 'utf8');
}

/** Text that can sit inside <script> without closing it. */
const scriptSafe = (s: string) => s.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function dashboardHtml(page: DashboardPage): string {
  // vega-lite (~280 ms to load) loads when a page is drawn, not with every module that imports this one.
  const vegaLite = require('vega-lite') as typeof import('vega-lite');
  const compiled = Object.fromEntries(Object.entries(page.views).map(([id, spec]) => [id, vegaLite.compile(spec).spec]));
  // Days as arrays ([t, revenue, sales_orders, orders, cancelled_orders, items_sold]): a third of the bytes of objects.
  const packDays = (days: KpiDay[]) => days.map((d) => [d.t, d.revenue, d.sales_orders, d.orders, d.cancelled_orders, d.items_sold]);
  const countries = Object.fromEntries(Object.entries(page.countries).map(([c, v]) => [c, { customers: v.customers, days: packDays(v.days) }]));
  const payload = { views: compiled, days: packDays(page.days), countries, customers: page.customers, currency: page.currency };
  const panels = Object.keys(compiled)
    .map((id) => `<section class="panel${id === 'trend' ? ' wide' : ''}"><div class="view" id="view-${id}" data-view="${id}"></div></section>`)
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<!-- Nothing may be fetched: every script, style and datum is in this file. -->
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${escapeHtml(page.title)}</title>
<style>
  :root { --ink: #222; --muted: #666; --line: #d8dee6; --tile: #f4f6f9; --accent: ${PALETTE[0]}; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: var(--ink); background: #fafbfc; }
  header { padding: 20px 28px 8px; }
  h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: var(--muted); font-size: 13px; }
  .filters { margin: 6px 0 0; font-size: 13px; color: var(--muted); min-height: 18px; }
  .filters b { color: var(--ink); }
  .kpis { display: flex; flex-wrap: wrap; gap: 12px; padding: 12px 28px; }
  .kpi { background: var(--tile); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 160px; flex: 1; }
  .kpi .label { font-size: 12px; color: var(--muted); }
  .kpi .value { font-size: 24px; font-weight: 700; color: var(--accent); margin-top: 4px; font-variant-numeric: tabular-nums; }
  .kpi .note { font-size: 11px; color: #888; margin-top: 2px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; padding: 8px 28px 28px; }
  .panel { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 8px; overflow-x: auto; }
  .panel.wide { grid-column: 1 / -1; }
  #tooltip { position: fixed; pointer-events: none; background: rgba(255,255,255,.97); border: 1px solid #bbb; border-radius: 4px;
    padding: 6px 8px; font-size: 12px; box-shadow: 0 2px 6px rgba(0,0,0,.15); display: none; z-index: 10; max-width: 320px; }
  #tooltip td { padding: 1px 4px; } #tooltip td:first-child { color: var(--muted); }
  .error { color: #b00; font-size: 13px; padding: 8px; }
  footer { padding: 0 28px 24px; font-size: 12px; color: var(--muted); }
</style>
<script>${scriptSafe(vegaBrowserBuild())}</script>
</head>
<body>
  <header>
    <h1>${escapeHtml(page.title)}</h1>
    <p>${escapeHtml(page.subtitle)}</p>
    <div class="filters" id="filters">All dates, all categories, all countries.</div>
  </header>
  <div class="kpis" id="kpis"></div>
  <main class="grid">
    ${panels}
  </main>
  <footer>Generated ${escapeHtml(page.generatedAt)} from the warehouse mart. The mart tables are also in this folder as CSV files.</footer>
  <div id="tooltip"></div>
<script id="dashboard-data" type="application/json">${jsonForScript(payload)}</script>
<script>${scriptSafe(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}

/** The page's own script (plain ES2017, runs in any current browser). */
const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  var views = {};
  var state = { range: null, category: null, country: null };
  var money = new Intl.NumberFormat('en-US', { style: 'currency', currency: data.currency, maximumFractionDigits: 0 });
  var money2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: data.currency });
  var count = new Intl.NumberFormat('en-US');
  var day = function (t) { return new Date(t).toISOString().slice(0, 10); };

  // Tooltips: vega hands us the tooltip object of the hovered mark; we draw it next to the pointer.
  var tip = document.getElementById('tooltip');
  function tooltip(handler, event, item, value) {
    if (value == null || value === '') { tip.style.display = 'none'; return; }
    var rows = typeof value === 'object'
      ? Object.keys(value).map(function (k) { return '<tr><td>' + esc(k) + '</td><td><b>' + esc(String(value[k])) + '</b></td></tr>'; }).join('')
      : '<tr><td>' + esc(String(value)) + '</td></tr>';
    tip.innerHTML = '<table>' + rows + '</table>';
    tip.style.display = 'block';
    var x = event.clientX + 14, y = event.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = event.clientX - tip.offsetWidth - 14;
    if (y + tip.offsetHeight > window.innerHeight) y = event.clientY - tip.offsetHeight - 14;
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  function esc(s) { return s.replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }

  function kpis() {
    var r = state.range, rev = 0, sales = 0, orders = 0, cancelled = 0, items = 0, n = 0;
    var picked = state.country ? data.countries[state.country] : null;
    // Each day is [t, revenue, sales_orders, orders, cancelled_orders, items_sold].
    (picked ? picked.days : data.days).forEach(function (d) {
      if (r && (d[0] < r[0] - 864e5 || d[0] > r[1])) return;
      rev += d[1]; sales += d[2]; orders += d[3]; cancelled += d[4]; items += d[5]; n++;
    });
    // A country's list holds only the days it had orders on, so its note names the dates, not a day count.
    var note = picked ? (r ? 'picked dates, ' : 'all dates, ') + state.country : r ? n + ' days picked' : 'all ' + n + ' days';
    var tiles = [
      ['Revenue', money.format(rev), note],
      ['Orders', count.format(sales), 'not cancelled or refunded'],
      ['Average order', sales ? money2.format(rev / sales) : '–', 'revenue / orders'],
      ['Products bought', count.format(items), 'units on sales orders, ' + note],
      ['Cancelled or refunded', orders ? (100 * cancelled / orders).toFixed(1) + '%' : '–', count.format(cancelled) + ' of ' + count.format(orders) + ' placed'],
      ['Customers', count.format(picked ? picked.customers : data.customers), 'bought at least once, all dates'],
    ];
    document.getElementById('kpis').innerHTML = tiles.map(function (t) {
      return '<div class="kpi" data-kpi="' + esc(t[0]) + '"><div class="label">' + esc(t[0]) + '</div><div class="value">' + esc(t[1]) + '</div><div class="note">' + esc(t[2]) + '</div></div>';
    }).join('');
    var f = [];
    f.push(r ? 'Dates <b>' + day(r[0]) + '</b> to <b>' + day(r[1]) + '</b>' : 'All dates');
    f.push(state.category ? 'category <b>' + esc(state.category) + '</b>' : 'all categories');
    f.push(state.country ? 'country <b>' + esc(state.country) + '</b>' : 'all countries');
    document.getElementById('filters').innerHTML = f.join(', ') + '.';
  }

  function setSignal(id, name, value) {
    var v = views[id];
    if (!v) return;
    try { v.signal(name, value).runAsync(); } catch (e) { console.error(e); }
  }

  // The brush's value is {order_date: [from, to]} while dragging and {} once cleared.
  function onBrush(_, value) {
    var r = value && value.order_date ? value.order_date.map(function (d) { return +new Date(d); }) : null;
    state.range = r;
    setSignal('categories', 'range', r);
    kpis();
  }
  // A point selection's value is {category: [name]} when a bar is picked, {} when cleared.
  function onPick(_, value) {
    state.category = value && value.category && value.category.length ? String(value.category[0]) : null;
    setSignal('products', 'category', state.category);
    kpis();
  }

  // The map's point selection is {country: [code]} when a country is clicked, {} when cleared.
  function onCountry(_, value) {
    state.country = value && value.country && value.country.length && value.country[0] ? String(value.country[0]) : null;
    ['deliveries', 'customers', 'tiers'].forEach(function (id) { setSignal(id, 'country', state.country); });
    kpis();
  }

  // Each view fills its panel's width (axes and legend included) instead of the width it was designed at,
  // so a wide screen leaves no empty band on the right and a narrow one needs no scrolling.
  function fitted(spec, el) {
    var w = el.clientWidth;
    if (!(w > 200)) return spec;
    return Object.assign({}, spec, { autosize: { type: 'fit-x', contains: 'padding' }, width: w });
  }
  var resizing = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      Object.keys(views).forEach(function (id) {
        var w = document.getElementById('view-' + id).clientWidth;
        if (w > 200) views[id].width(w).runAsync();
      });
    }, 100);
  });

  kpis();
  Object.keys(data.views).forEach(function (id) {
    var el = document.getElementById('view-' + id);
    try {
      var view = new vega.View(vega.parse(fitted(data.views[id], el)), { renderer: 'svg', container: el, hover: true, tooltip: tooltip });
      views[id] = view;
      view.runAsync().then(function () { el.setAttribute('data-drawn', 'true'); });
      if (id === 'trend') view.addSignalListener('brush', onBrush);
      if (id === 'categories') view.addSignalListener('pick', onPick);
      if (id === 'map') view.addSignalListener('country_pick', onCountry);
    } catch (e) {
      el.innerHTML = '<div class="error">This view could not be drawn: ' + esc(String(e && e.message || e)) + '</div>';
      console.error(e);
    }
  });
  window.orderheDashboard = { views: views, state: state };
})();
`;
