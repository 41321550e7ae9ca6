/**
 * npm run lab: registers the tslab kernel for this user (so any Jupyter frontend lists "TypeScript"),
 * builds lib, and opens JupyterLab (or the classic notebook when that is what is installed) on notebooks/.
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { parseCli, main } from './common';
import { findProjectRoot } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';
import { jupyterPython, registerKernel } from '../notebooks/runner';

const USAGE = `
npm run lab [-- --port 8888] [--no-browser]

Registers the tslab kernel for your user, builds lib, and starts JupyterLab on notebooks/
(or the classic Jupyter Notebook if JupyterLab is not installed).
`;

const NO_FRONTEND = [
  'Neither JupyterLab nor the classic Jupyter Notebook is installed; the kernel is registered, so any of these works:',
  '  - VS Code with the Jupyter extension: open notebooks/*.ipynb and pick the "TypeScript" kernel (renders the charts interactively).',
  '  - JupyterLab from PyPI, in a virtual environment: python3 -m venv ~/.venvs/jl && ~/.venvs/jl/bin/pip install jupyterlab && ~/.venvs/jl/bin/jupyter lab notebooks/',
  '    (Debian has no jupyterlab package.)',
  '  - The classic notebook from Debian: apt-get install jupyter-notebook, then npm run lab again.',
  '  - Headless, no frontend at all: npm run notebooks (executed copies under data/out/notebooks/).',
].join('\n');

void main(async () => {
  const { values } = parseCli({ port: { type: 'string' }, 'no-browser': { type: 'boolean', default: false } }, USAGE);
  const root = findProjectRoot();
  const python = jupyterPython();
  // The user's own Jupyter data folder (what `jupyter --data-dir` prints), so frontends started any way find the kernel.
  const dataDir = spawnSync(python, ['-m', 'jupyter', '--data-dir'], { encoding: 'utf8' }).stdout?.trim() || path.join(os.homedir(), '.local', 'share', 'jupyter');
  const prefix = path.dirname(path.dirname(dataDir)); // <prefix>/share/jupyter
  registerKernel(root, prefix, python);
  process.stdout.write(`✓ tslab kernel registered in ${dataDir}/kernels/tslab\n`);

  const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'lib')], { encoding: 'utf8' });
  if (build.status !== 0) throw new OrderHeError(`Building lib failed, so the notebooks would import stale code:\n${build.stdout.trim()}`, 'npm run typecheck, fix the errors, then npm run lab');

  const has = (sub: string) => spawnSync(python, ['-m', 'jupyter', sub, '--version'], { encoding: 'utf8' }).status === 0;
  const frontend = has('lab') ? 'lab' : has('notebook') ? 'notebook' : undefined;
  if (!frontend) throw new OrderHeError('No Jupyter frontend to open.', NO_FRONTEND);
  const args = ['-m', 'jupyter', frontend, ...(values.port ? [`--port=${values.port}`] : []), ...(values['no-browser'] ? ['--no-browser'] : [])];
  const notebooks = path.join(root, 'notebooks');
  if (!fs.existsSync(notebooks)) throw new OrderHeError(`${notebooks} does not exist.`, 'Run npm run lab from the project checkout.');
  process.stdout.write(`Starting jupyter ${frontend} on ${notebooks} (Ctrl+C stops it)\n`);
  const child = spawn(python, args, { cwd: notebooks, stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 || code === null ? resolve() : reject(new OrderHeError(`jupyter ${frontend} exited with code ${code}.`, 'See its messages above.'))));
  });
});
