/**
 * Executes the notebooks with the real tslab kernel, top to bottom, the way a learner would, and fails on
 * the first error with the cell and its message. Used by `npm run notebooks` and the notebook test.
 *
 * The kernel is registered into a project-local JUPYTER_PATH (node_modules/.cache/orderhe-jupyter), so
 * running the notebooks never touches the user's own Jupyter setup.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawnSync, spawn } from 'node:child_process';
import { OrderHeError } from '../../lib/core/errors';
import { findProjectRoot } from '../../lib/core/config';

export const KERNEL_NAME = 'tslab';
const INSTALL_JUPYTER = 'apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel';

export interface NotebookRun {
  notebook: string;
  /** The executed copy. */
  output: string;
  /** Its HTML copy beside it (charts as PNG, so they show in any nbconvert), or why there is none. */
  html?: string;
  htmlError?: string;
  ok: boolean;
  seconds: number;
  /** Outputs carrying both the vega-lite type and SVG (charts). */
  charts: number;
  /** When it failed: the failing cell's number (1-based), the head of its source and its error text. */
  failure?: { cell: number; source: string; message: string };
}

/** The Python that runs `jupyter` (its shebang), so nbclient and the kernelspec agree with it. */
export function jupyterPython(): string {
  const jupyter = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'jupyter')).find((f) => fs.existsSync(f));
  if (!jupyter) {
    throw new OrderHeError('Jupyter is not installed, so the notebooks cannot be executed.', `${INSTALL_JUPYTER} (Debian/Ubuntu), or pip install nbclient ipykernel.`);
  }
  // "#!/usr/bin/python3" or "#!/usr/bin/env python3": the last word is the interpreter.
  const shebang = fs.readFileSync(jupyter, 'utf8').split('\n', 1)[0];
  const python = shebang.startsWith('#!') ? shebang.slice(2).trim().split(/\s+/).pop()! : 'python3';
  const probe = spawnSync(python, ['-c', 'import nbclient, nbformat, ipykernel'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new OrderHeError(`Jupyter is installed but ${python} cannot import nbclient/ipykernel.`, INSTALL_JUPYTER);
  }
  return python;
}

/** The user's own Jupyter data folder (what `jupyter --data-dir` prints), where frontends started any way look for kernels. */
export function userJupyterDataDir(python?: string): string {
  const fallback = process.env.JUPYTER_DATA_DIR || path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter');
  let py = python;
  if (!py) {
    try {
      py = jupyterPython();
    } catch {
      return fallback;
    }
  }
  return spawnSync(py, ['-m', 'jupyter', '--data-dir'], { encoding: 'utf8' }).stdout?.trim() || fallback;
}

/**
 * Registers the tslab kernel under `prefix` (a JUPYTER_PATH root) unless it is already there and points at
 * this project's tslab. Returns the JUPYTER_PATH to use.
 */
export function registerKernel(projectRoot: string, prefix: string, python = jupyterPython()): string {
  const binary = path.join(projectRoot, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(binary)) throw new OrderHeError('The tslab kernel is not installed in node_modules.', 'npm ci');
  const jupyterPath = path.join(prefix, 'share', 'jupyter');
  const spec = path.join(jupyterPath, 'kernels', KERNEL_NAME, 'kernel.json');
  if (fs.existsSync(spec) && fs.readFileSync(spec, 'utf8').includes(binary)) return jupyterPath;
  const r = spawnSync(binary, ['install', `--python=${python}`, '--binary', binary, '--prefix', prefix], { encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(spec)) {
    throw new OrderHeError(`Registering the tslab kernel failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`, `${binary} install --python=${python} --prefix ${prefix}`);
  }
  return jupyterPath;
}

/** Notebooks in name order; `names` picks some by prefix ("07", "07_dashboard" or the file name). */
export function listNotebooks(dir: string, names: string[] = []): string[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();
  // Files starting with "_" are scratch: run only when named.
  const all = names.length === 0 ? files.filter((f) => !f.startsWith('_')) : files;
  if (names.length === 0) return all;
  const picked = all.filter((f) => names.some((n) => f === n || f.startsWith(n.replace(/\.ipynb$/, ''))));
  const missing = names.filter((n) => !all.some((f) => f === n || f.startsWith(n.replace(/\.ipynb$/, ''))));
  if (missing.length) throw new OrderHeError(`No notebook named ${missing.join(', ')} in ${dir}.`, `The notebooks are: ${all.join(', ')}.`);
  return picked;
}

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string; evalue?: string; traceback?: string[] }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[] }
const joined = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : t ?? '');

/** Counts chart outputs (vega-lite + SVG in one output) in an executed notebook. */
export function countChartOutputs(notebookFile: string): number {
  const nb = JSON.parse(fs.readFileSync(notebookFile, 'utf8')) as { cells: Cell[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && 'application/vnd.vegalite.v5+json' in o.data && 'image/svg+xml' in o.data).length;
}

/** The first failing cell of an executed notebook: an error output, or the cell nbclient said failed (its stderr holds tslab's message). */
export function findFailure(notebookFile: string, failedCell: number | null): NotebookRun['failure'] {
  const nb = JSON.parse(fs.readFileSync(notebookFile, 'utf8')) as { cells: Cell[] };
  const index = nb.cells.findIndex((c, i) => i === failedCell || (c.outputs ?? []).some((o) => o.output_type === 'error'));
  if (index < 0) return undefined;
  const cell = nb.cells[index];
  const outputs = cell.outputs ?? [];
  const message = [
    ...outputs.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map((o) => joined(o.text)),
    ...outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`),
  ].join('').split('\n')
    // The kernel's own frames say nothing about the notebook.
    .filter((l) => !/^\s+at .*(node:vm|node_modules\/tslab|sigintHandlersWrap|evalmachine)/.test(l))
    .join('\n').trim();
  const source = joined(cell.source).split('\n').slice(0, 6).join('\n');
  return { cell: index + 1, source, message };
}

export interface RunNotebooksOptions {
  projectRoot: string;
  /** Folder of the executed copies. */
  outDir: string;
  names?: string[];
  env?: NodeJS.ProcessEnv;
  /** Per cell, in seconds (a pipeline cell on a few thousand orders takes well under a minute). Default 900. */
  cellTimeout?: number;
  /** Stop at the first failing notebook (later ones build on its state). Default true. */
  stopOnFailure?: boolean;
  onNotebook?: (run: NotebookRun) => void;
}

/** Executes the notebooks in name order; resolves with one record per notebook run. */
export async function runNotebooks(o: RunNotebooksOptions): Promise<NotebookRun[]> {
  const python = jupyterPython();
  const jupyterPath = registerKernel(o.projectRoot, path.join(o.projectRoot, 'node_modules', '.cache', 'orderhe-jupyter'), python);
  const dir = path.join(o.projectRoot, 'notebooks');
  const notebooks = listNotebooks(dir, o.names);
  fs.mkdirSync(o.outDir, { recursive: true });
  const env = { ...(o.env ?? process.env), JUPYTER_PATH: [jupyterPath, (o.env ?? process.env).JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
  const runs: NotebookRun[] = [];
  for (const notebook of notebooks) {
    const output = path.join(o.outDir, notebook);
    const started = Date.now();
    const result = await runOne(python, path.join(dir, notebook), output, o.cellTimeout ?? 900, env, dir);
    const exists = fs.existsSync(output);
    const run: NotebookRun = { notebook, output, ok: result.ok && exists, seconds: (Date.now() - started) / 1000, charts: exists ? countChartOutputs(output) : 0 };
    if (result.html) run.html = result.html;
    if (result.html_error) run.htmlError = result.html_error;
    if (exists) run.failure = findFailure(output, result.failed_cell);
    if (run.failure) run.ok = false;
    if (!run.ok && !run.failure) run.failure = { cell: (result.failed_cell ?? -1) + 1, source: '', message: result.message || 'the kernel stopped without saying why' };
    runs.push(run);
    o.onNotebook?.(run);
    if (!run.ok && (o.stopOnFailure ?? true)) break;
  }
  return runs;
}

interface RunOneResult { ok: boolean; failed_cell: number | null; message: string; html?: string | null; html_error?: string }

function runOne(python: string, input: string, output: string, timeout: number, env: NodeJS.ProcessEnv, cwd: string): Promise<RunOneResult> {
  // From the project's tools/, not __dirname: the commands run this module compiled, from dist/tools/notebooks/.
  const scriptPath = path.join(findProjectRoot(), 'tools', 'notebooks', 'run_notebook.py');
  return new Promise((resolve) => {
    const child = spawn(python, [scriptPath, input, output, String(timeout), KERNEL_NAME], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ ok: false, failed_cell: null, message: `exit ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}` });
      }
    });
  });
}
