/**
 * The model catalog (what `dbt docs` makes from the same YAML): one offline HTML page beside the dashboard
 * listing every model with its description, grain, columns, declared tests and each test's LAST result, and the
 * lineage drawn from the source tables through the lake, staging and core to every mart table.
 *
 * The results come from core.test_results, which the core merge and the mart build write inside their
 * transactions: the page then shows what the published warehouse passed, even when the dashboard step runs in
 * another process (`npm run pipeline -- --from dashboard`), and a build that failed and rolled back leaves the
 * results of the last one that committed.
 * No script at all: the lineage is inline SVG laid out by lineageGraph, and the CSP forbids every fetch.
 */
import type { Warehouse } from '../core/connections';
import { loadDeclaredModels, type DataTest, type DeclaredModel } from '../quality/declared-models';
import { testLabel } from '../quality/data-tests';
import { RECONCILIATION_LABEL } from '../quality/reconciliations';
import { readTestResults, type StoredTestResult } from '../quality/warehouse-docs';
import { lineageGraph, modelLineage, type ModelLineage } from '../mart/query';

export interface CatalogPage {
  title: string;
  models: DeclaredModel[];
  lineage: ModelLineage[];
  results: StoredTestResult[];
  generatedAt: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const anchor = (model: string) => `model-${model.replace(/[^a-z0-9_]/gi, '-')}`;

/** Each layer's colour in the lineage and on the model headings. */
const LAYER_COLOURS: Record<string, string> = { source: '#8c8c8c', lake: '#9c755f', staging: '#f28e2b', core: '#4e79a7', mart: '#59a14f' };

/** What a declared test's stored results are: the row of the same model and test name (reconciliations: several rows). */
function resultsOf(m: DeclaredModel, t: DataTest, results: readonly StoredTestResult[]): StoredTestResult[] {
  if (t.kind === 'reconciliation') {
    const prefix = RECONCILIATION_LABEL[t.name];
    // source ↔ core reports one skipped row for all of core when the source is not reachable.
    return results.filter((r) => (r.model === m.name || r.model === 'core.*') && r.test.startsWith(prefix));
  }
  const label = testLabel(t);
  return results.filter((r) => r.model === m.name && r.test === label);
}

function resultCell(rows: StoredTestResult[]): string {
  if (rows.length === 0) return '<td class="none">not run yet</td>';
  const status = rows.some((r) => r.status === 'fail') ? 'fail' : rows.every((r) => r.status === 'skip') ? 'skip' : 'pass';
  const when = rows[0].tested_at instanceof Date ? rows[0].tested_at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : String(rows[0].tested_at ?? '');
  const detail = rows.map((r) => `${r.test}: expected ${r.expected ?? '–'}, got ${r.actual ?? '–'}${r.detail ? ` (${r.detail})` : ''}`).join('\n');
  return `<td class="${status}" title="${escapeHtml(detail)}">${status}<span class="when">${escapeHtml(when)}</span></td>`;
}

function testArgument(t: DataTest): string {
  switch (t.kind) {
    case 'accepted_values': return `${t.values.join(' | ')} (${t.from})`;
    case 'relationships': return `${t.to}.${t.field}`;
    case 'reconcile': return `${t.measure.aggregate}(${t.measure.column}) = ${t.equals.aggregate}(${t.equals.column}) of ${t.equals.model}`;
    case 'reconciliation': return { manifest_vs_staging: 'rows = the lake manifests’ record counts', staging_vs_core: 'rows and money total = before + staged change', source_vs_core: 'rows and money total = the MySQL source' }[t.name];
    default: return '';
  }
}

function modelSection(m: DeclaredModel, results: readonly StoredTestResult[], lineage: readonly ModelLineage[]): string {
  const reads = m.dependsOn.map((d) => `<a href="#${anchor(d)}">${escapeHtml(d)}</a>`).join(', ') || '–';
  const feeds = lineage.filter((l) => l.reads.includes(m.name)).map((l) => `<a href="#${anchor(l.model)}">${escapeHtml(l.model)}</a>`).join(', ') || '–';
  const testsOfColumn = (c: string) => m.tests.filter((t) => 'column' in t && t.column === c).map(testLabel).join(', ');
  const columns = m.columns.map((c) => `<tr><td><code>${escapeHtml(c.name)}</code></td><td>${escapeHtml(c.description)}</td><td>${escapeHtml(testsOfColumn(c.name))}</td></tr>`).join('\n');
  const tests = m.tests.map((t) => `<tr><td>${escapeHtml(testLabel(t))}</td><td>${escapeHtml(testArgument(t))}</td>${resultCell(resultsOf(m, t, results))}</tr>`).join('\n');
  return `<section id="${anchor(m.name)}">
  <h2><span class="dot" style="background:${LAYER_COLOURS[m.layer]}"></span>${escapeHtml(m.name)}</h2>
  <p>${escapeHtml(m.description)}</p>
  <p class="meta"><b>Grain:</b> ${escapeHtml(m.grain)} · <b>Reads:</b> ${reads} · <b>Feeds:</b> ${feeds} · <b>Declared in</b> <code>${escapeHtml(m.file)}</code> beside <code>${escapeHtml(m.sqlFile)}</code></p>
  <table><thead><tr><th>column</th><th>description</th><th>tests</th></tr></thead><tbody>
${columns}
  </tbody></table>
  ${m.tests.length ? `<table class="tests"><thead><tr><th>test</th><th>what</th><th>last result</th></tr></thead><tbody>\n${tests}\n  </tbody></table>` : '<p class="meta">No data tests declared.</p>'}
</section>`;
}

/** The lineage as inline SVG: a column per depth, a box per table (a link to its section), a curve per read. */
export function lineageSvg(lineage: readonly ModelLineage[]): string {
  const { nodes, edges } = lineageGraph([...lineage]);
  const perColumn = new Map<number, number>();
  for (const n of nodes) perColumn.set(n.depth, (perColumn.get(n.depth) ?? 0) + 1);
  const [boxW, boxH, gapX, rowH, pad] = [196, 22, 64, 30, 12];
  const height = Math.max(...perColumn.values()) * rowH + 2 * pad;
  const width = (Math.max(...nodes.map((n) => n.depth)) + 1) * (boxW + gapX) - gapX + 2 * pad;
  const x = (depth: number) => pad + depth * (boxW + gapX);
  const y = (frac: number) => pad + frac * (height - 2 * pad);
  const paths = edges.map((e) => {
    const [x1, y1, x2, y2] = [x(e.x) + boxW, y(e.y), x(e.x2), y(e.y2)];
    const mid = (x1 + x2) / 2;
    return `<path d="M${x1.toFixed(1)},${y1.toFixed(1)} C${mid.toFixed(1)},${y1.toFixed(1)} ${mid.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}"><title>${escapeHtml(`${e.from} → ${e.to}`)}</title></path>`;
  }).join('\n');
  const boxes = nodes.map((n) => {
    const [bx, by] = [x(n.depth), y(n.y) - boxH / 2];
    const box = `<rect x="${bx}" y="${by.toFixed(1)}" width="${boxW}" height="${boxH}" rx="4" fill="${LAYER_COLOURS[n.schema] ?? '#bbb'}"/><text x="${bx + 8}" y="${(by + 15).toFixed(1)}">${escapeHtml(n.table)}</text>`;
    return n.schema === 'source' ? `<g>${box}</g>` : `<a href="#${anchor(n.table)}">${box}</a>`;
  }).join('\n');
  return `<svg class="lineage" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Lineage from the source tables to the mart">
<g class="edges">${paths}</g>
<g class="boxes">${boxes}</g>
</svg>`;
}

/** The whole page. Lake tables have no YAML: their section says what they are from the lineage. */
export function catalogHtml(page: CatalogPage): string {
  const layers = ['staging', 'core', 'mart'] as const;
  const counts = { models: page.models.length, tests: page.models.reduce((n, m) => n + m.tests.length, 0) };
  const lake = page.lineage.filter((l) => l.model.startsWith('lake.')).map((l) => `<li id="${anchor(l.model)}"><code>${escapeHtml(l.model)}</code>: gzipped CSV runs and manifests extracted from <code>${escapeHtml(l.reads.join(', '))}</code> (MySQL) by <code>${escapeHtml(l.file)}</code>.</li>`).join('\n');
  const toc = layers.map((layer) => `<p><b>${layer}</b>: ${page.models.filter((m) => m.layer === layer).map((m) => `<a href="#${anchor(m.name)}">${escapeHtml(m.table)}</a>`).join(' · ')}</p>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<!-- Nothing may be fetched and nothing runs: the page is HTML, inline SVG and one inline style sheet. -->
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(page.title)}</title>
<style>
  body { margin: 0; padding: 20px 28px; font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; background: #fafbfc; font-size: 14px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 6px; }
  section { background: white; border: 1px solid #d8dee6; border-radius: 8px; padding: 12px 16px; margin: 14px 0; }
  .meta { color: #555; font-size: 13px; } .dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 8px; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
  th, td { text-align: left; border-bottom: 1px solid #eceff3; padding: 3px 6px; vertical-align: top; } th { color: #555; font-weight: 600; }
  td.pass { color: #1a7f37; font-weight: 700; } td.fail { color: #b00020; font-weight: 700; } td.skip, td.none { color: #888; }
  .when { display: block; font-weight: 400; color: #888; font-size: 11px; }
  .lineage-wrap { overflow-x: auto; background: white; border: 1px solid #d8dee6; border-radius: 8px; padding: 8px; }
  svg.lineage text { font-size: 11px; fill: white; font-family: inherit; } svg.lineage path { fill: none; stroke: #b8c2cc; stroke-width: 1.2; }
  svg.lineage a:hover rect { stroke: #222; stroke-width: 1.5; }
  footer { color: #666; font-size: 12px; margin-top: 20px; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p class="meta">${counts.models} models declared in <code>sql/**/*.yml</code> with ${counts.tests} data tests; each test's last result is the one stored by the last core merge or mart build that committed (<code>core.test_results</code>). Hover a result for its numbers.</p>
<h2>Lineage: source → lake → staging → core → mart</h2>
<div class="lineage-wrap">${lineageSvg(page.lineage)}</div>
${toc}
<section><h2><span class="dot" style="background:${LAYER_COLOURS.lake}"></span>lake</h2><ul>
${lake}
</ul></section>
${page.models.map((m) => modelSection(m, page.results, page.lineage)).join('\n')}
<footer>Generated ${escapeHtml(page.generatedAt)} from the models' YAML and the warehouse's stored test results.</footer>
</body>
</html>
`;
}

/** Reads the YAML, the lineage and the stored results; returns the page. */
export async function buildCatalogHtml(wh: Warehouse, projectRoot: string, generatedAt = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC'): Promise<string> {
  return catalogHtml({
    title: 'Order-He model catalog',
    models: loadDeclaredModels(projectRoot),
    lineage: modelLineage(projectRoot),
    results: await readTestResults(wh),
    generatedAt,
  });
}
