import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { testEnv, ROOT, runCli, sourceOrderCount } from './helpers';
import { countChartOutputs } from '../tools/notebooks/runner';

const env = testEnv('notebooks');
after(() => env.cleanup());

/** `npm run notebooks -- args`, as a user runs it, with this suite's databases, bucket and data folder. */
function runNotebooksCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools', 'cli', 'notebooks.ts'), ...args], {
    cwd: ROOT,
    env: { ...env.env, ...extraEnv },
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
}

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }

const outDir = path.join(env.dataDir, 'out', 'notebooks');

const learnerOrders = () => sourceOrderCount(env);

test("after npm run pipeline -- --orders 3000, npm run notebooks -- 00_quickstart keeps the learner's 3,000 orders, and its HTML copy shows the chart in Chromium", async () => {
  const pipeline = runCli(env, 'pipeline.ts', ['--orders', '3000', '--until', 'source']);
  assert.equal(pipeline.code, 0, pipeline.all);
  assert.equal(await learnerOrders(), 3000);

  // Without a terminal, --use-my-shop refuses to replace the shop rather than asking nobody.
  const mine = runNotebooksCli(['--no-build', '--use-my-shop', '00_quickstart']);
  assert.equal(mine.status, 1, mine.stdout + mine.stderr);
  assert.match(mine.stderr, /holds your shop of 3,000 orders; with --use-my-shop the notebooks replace it/);

  const run = runNotebooksCli(['00_quickstart']);
  assert.equal(run.status, 0, `npm run notebooks -- 00_quickstart failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /notebooks' own workspace \(your shop stays as it is\): MySQL orderhe_t_notebooks_\d+_nb/);
  assert.equal(await learnerOrders(), 3000, "the learner's orders are untouched");

  const html = path.join(outDir, '00_quickstart.html');
  assert.ok(fs.existsSync(html), `${html} written beside the executed copy`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'], viewport: { width: 1100, height: 900 } });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${html}`);
    const charts = await page.evaluate(() => [...document.querySelectorAll('img')]
      .filter((i) => i.src.startsWith('data:image/png'))
      .map((i) => ({ w: i.naturalWidth, h: i.naturalHeight, shownW: i.getBoundingClientRect().width })));
    assert.equal(charts.length, 1, 'one chart, drawn as a PNG image');
    assert.ok(charts[0].w > 300 && charts[0].h > 100 && charts[0].shownW > 300, `the chart is a real picture on the page: ${JSON.stringify(charts[0])}`);
    // Long code lines wrap instead of running off the page.
    const overflowing = await page.evaluate(() => [...document.querySelectorAll('pre')].filter((p) => p.scrollWidth > p.clientWidth + 1).length);
    assert.equal(overflowing, 0, 'no code or output line is clipped');
    await page.screenshot({ path: path.join(env.dataDir, '00_quickstart.html.png'), fullPage: true });
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test('every notebook runs top to bottom with the real kernel, with no errors and at least six charts carrying vega-lite and SVG', () => {
  // PostgreSQL here trusts local logins, so this password is accepted and ignored: it only has to stay out of every output.
  const secret = 'Sentinel-nb-4e2b';
  const run = runNotebooksCli([], { PGPASSWORD: secret });
  assert.ok(!(run.stdout + run.stderr).includes(secret), 'the runner never prints the password');
  assert.equal(run.status, 0, `npm run notebooks failed:\n${run.stdout}\n${run.stderr}`);
  const sources = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb') && !f.startsWith('_'));
  const copies = fs.readdirSync(outDir).filter((f) => f.endsWith('.ipynb'));
  assert.deepEqual(copies.sort(), sources.sort(), 'an executed copy of each notebook');
  const htmlCopies = fs.readdirSync(outDir).filter((f) => f.endsWith('.html'));
  assert.deepEqual(htmlCopies.sort(), sources.map((f) => f.replace(/\.ipynb$/, '.html')).sort(), 'an HTML copy of each notebook');
  let charts = 0;
  for (const file of copies) {
    const nb = JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8')) as { cells: { outputs?: Output[] }[] };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    assert.deepEqual(outputs.filter((o) => o.output_type === 'error'), [], `${file} has no error outputs`);
    assert.ok(!JSON.stringify(outputs).includes(secret), `${file} shows no password in its outputs`);
    const n = countChartOutputs(path.join(outDir, file));
    charts += n;
    // Every chart shows in the HTML copy, as the PNG that Debian's nbconvert 6.5.3 keeps (it strips SVG to bare text).
    const page = fs.readFileSync(path.join(outDir, file.replace(/\.ipynb$/, '.html')), 'utf8');
    assert.ok((page.match(/<img src="data:image\/png;base64,/g) ?? []).length >= n, `${file}: its ${n} charts are PNG images in the HTML copy`);
    // Tables (danfojs frames included) print rounded numbers, not 1626.0773999999…
    const texts = outputs.flatMap((o) => [o.text, o.data?.['text/plain'], o.data?.['text/html']]).map((t) => (Array.isArray(t) ? t.join('') : typeof t === 'string' ? t : ''));
    assert.deepEqual(texts.flatMap((t) => t.match(/\d\.\d{5,}/g) ?? []), [], `${file}: numbers in its outputs are rounded`);
  }
  assert.ok(charts >= 6, `${charts} chart outputs with application/vnd.vegalite.v5+json and image/svg+xml`);
  assert.ok(countChartOutputs(path.join(outDir, '07_dashboard.ipynb')) >= 4, 'the dashboard notebook shows its views');
  assert.ok(countChartOutputs(path.join(outDir, '08_explore_mart.ipynb')) >= 4, 'the exploration notebook answers with charts');
  assert.ok(fs.existsSync(path.join(env.dataDir, 'notebooks-workspace', 'out', 'dashboard.html')), 'notebook 07 wrote the dashboard, in the notebooks\' own workspace');
});

test('a failing cell fails the run and prints that cell and its message', () => {
  const name = `_failing_${process.pid}`;
  const file = path.join(ROOT, 'notebooks', `${name}.ipynb`);
  const cell = (source: string, id: string) => ({ cell_type: 'code', id, metadata: {}, source, outputs: [], execution_count: null });
  fs.writeFileSync(file, JSON.stringify({
    cells: [cell('const fine = 1;', 'a'), cell("const orders: number = 'many';", 'b'), cell('console.log("never runs");', 'c')],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  }));
  try {
    const run = runNotebooksCli(['--no-build', name]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`${name}\\.ipynb failed at cell 2`));
    assert.match(run.stderr, /const orders: number = 'many';/, 'the cell source');
    assert.match(run.stderr, /Type 'string' is not assignable to type 'number'/, "the kernel's message from the cell's stderr");
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('without Jupyter the runner says what to install', () => {
  // A PATH holding only node: no jupyter (and no shell) to find.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-nojupyter-'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const run = runNotebooksCli(['--no-build', '07'], { PATH: bin });
  fs.rmSync(bin, { recursive: true, force: true });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Jupyter is not installed/);
  assert.match(run.stderr, /apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel/);
});

test('asking for a notebook that does not exist lists the ones that do', () => {
  const run = runNotebooksCli(['--no-build', '99_nope']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /No notebook named 99_nope/);
  assert.match(run.stderr, /07_dashboard\.ipynb/);
});
