import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { barChart, lineChart, heatmapChart, scatterChart, kpiTiles, chart, formatKpi } from '../lib/charts/specs';
import { renderChart, VEGA_LITE_MIME } from '../lib/charts/render';
import { showChart } from '../lib/notebook/charts';
import { showTable } from '../lib/notebook/display';
import { toRows } from '../lib/core/rows';

const categories = [
  { category: 'Electronics', revenue: '12034.50', margin: '3100.10' },
  { category: 'Books', revenue: '2300.00', margin: '900.00' },
  { category: 'Home & Kitchen', revenue: '8800.75', margin: '2500.00' },
];
const days = Array.from({ length: 30 }, (_, i) => ({ order_date: new Date(Date.UTC(2026, 0, 1 + i)), revenue: 1000 + i * 10, orders: 10 + (i % 5) }));

test('a chart outside a notebook returns one bundle with vega-lite as an object, SVG, PNG and text, and no HTML', async () => {
  const bundle = await showChart(barChart(categories, { title: 'Revenue by category', x: 'category', y: 'revenue', yFormat: 'currency' }));
  assert.ok(bundle, 'outside a kernel showChart returns the bundle');
  assert.deepEqual(Object.keys(bundle).sort(), [VEGA_LITE_MIME, 'image/png', 'image/svg+xml', 'text/plain'].sort());
  assert.equal(typeof bundle[VEGA_LITE_MIME], 'object');
  assert.match(bundle['image/svg+xml'] as string, /^<svg/);
  const png = Buffer.from(bundle['image/png'] as string, 'base64');
  assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.match(bundle['text/plain'] as string, /Revenue by category \(3 rows\)/);
});

test('bar charts sort categories by value, put the currency in the axis title and read NUMERIC text as numbers', async () => {
  const spec = barChart(categories, { title: 'Revenue by category', x: 'category', y: 'revenue', yFormat: 'currency' }) as any;
  assert.equal(spec.encoding.x.sort, '-y');
  assert.equal(spec.encoding.y.title, 'Revenue (USD)');
  assert.equal(spec.data.values[0].revenue, 12034.5);
  const rendered = await renderChart(spec);
  assert.equal(rendered.marks, 3, 'one bar per category');
  assert.match(rendered.svg, /Revenue \(USD\)/);
  assert.match(rendered.svg, /\$12,000|\$10,000/);
});

test('every builder draws its marks', async () => {
  const cohorts = [];
  for (let c = 0; c < 4; c++) for (let m = 0; m < 4 - c; m++) cohorts.push({ cohort_month: new Date(Date.UTC(2026, c, 1)), months_since_first: m, retention: m === 0 ? 1 : 0.3 / m });
  const specs = {
    line: lineChart(days, { title: 'Daily revenue', x: 'order_date', y: 'revenue', yFormat: 'currency', brush: true }),
    area: lineChart(days, { title: 'Monthly revenue', x: 'order_date', y: 'revenue', yFormat: 'currency', timeUnit: 'month', area: true }),
    heatmap: heatmapChart(cohorts, { title: 'Retention', x: 'months_since_first', y: 'cohort_month', value: 'retention', valueFormat: 'percent' }),
    scatter: scatterChart(days, { title: 'Orders and revenue', x: 'orders', y: 'revenue', yFormat: 'currency' }),
    kpi: kpiTiles([{ label: 'Revenue', value: 123456.7, format: 'currency' }, { label: 'Orders', value: 5000, format: 'integer' }]),
    custom: chart({ title: 'Custom', mark: 'point', encoding: { x: { field: 'orders', type: 'quantitative' } } }, days),
  };
  for (const [name, spec] of Object.entries(specs)) {
    const r = await renderChart(spec);
    assert.ok(r.marks > 0, `${name} drew ${r.marks} marks`);
    assert.ok(r.png.length > 1000, `${name} has a PNG`);
  }
  const heat = await renderChart(specs.heatmap);
  assert.match(heat.svg, /Jan 2026/, 'cohorts read as months');
});

test('rows from a danfojs DataFrame chart the same as query rows', async () => {
  const dfd = await import('danfojs');
  const frame = new dfd.DataFrame(categories.map((c) => ({ category: c.category, revenue: Number(c.revenue) })));
  const fromFrame = barChart(frame, { title: 'From a frame', x: 'category', y: 'revenue' }) as any;
  assert.deepEqual(fromFrame.data.values, categories.map((c) => ({ category: c.category, revenue: Number(c.revenue) })));
});

test('a DataFrame summary keeps its row labels in the table', async () => {
  const dfd = await import('danfojs');
  const summary = new dfd.DataFrame([{ revenue: 10 }, { revenue: 30 }]).describe();
  const text = showTable(summary)!['text/plain'] as string;
  assert.match(text, /^mean\s+20$/m);
});

test('dates from PostgreSQL keep their calendar day and codes with leading zeros stay text', () => {
  const rows = toRows([{ day: new Date(2026, 2, 5), at: new Date(Date.UTC(2026, 2, 5, 13, 30)), zip: '01234', n: 5n }]);
  assert.equal(rows[0].day, '2026-03-05');
  assert.equal(rows[0].at, '2026-03-05T13:30:00.000Z');
  assert.equal(rows[0].zip, '01234');
  assert.equal(rows[0].n, 5);
});

test('a table shows its row count, the first rows only, and escapes HTML in values', () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: i === 0 ? '<b>x</b>' : `row ${i}` }));
  const bundle = showTable(rows, { title: 'Customers', limit: 5 })!;
  assert.match(bundle['text/html'] as string, /Customers \(50 rows, first 5 shown\)/);
  assert.equal(((bundle['text/html'] as string).match(/<tr>/g) ?? []).length, 6, 'header + 5 rows');
  assert.ok(!(bundle['text/html'] as string).includes('<b>x</b>'));
  assert.match(bundle['text/plain'] as string, /^Customers \(50 rows, first 5 shown\)/);
});

test('a spec naming a field the renderer cannot draw fails with the chart title', async () => {
  await assert.rejects(renderChart({ title: 'Broken', mark: 'bar', data: { values: [] }, encoding: { x: { field: 'a', type: 'nonsense' as any } } } as any), /Broken/);
});

test('headline numbers read as money, counts and percents', () => {
  assert.equal(formatKpi(1234567.8, 'currency'), '$1,234,568');
  assert.equal(formatKpi(246.9, 'currency'), '$246.90');
  assert.equal(formatKpi(5000, 'integer'), '5,000');
  assert.equal(formatKpi(0.314, 'percent'), '31.4%');
});

test('a rendered chart written to PNG is a picture a person can open', async () => {
  const r = await renderChart(barChart(categories, { title: 'Revenue by category', x: 'category', y: 'revenue', yFormat: 'currency' }));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-charts-')), 'bar.png');
  fs.writeFileSync(file, r.png);
  assert.ok(fs.statSync(file).size > 5000);
  fs.rmSync(path.dirname(file), { recursive: true });
});
