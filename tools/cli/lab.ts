/**
 * npm run lab [-- OPTIONS] [-- JUPYTER OPTIONS]: registers the tslab kernel for this user (so any Jupyter
 * frontend lists "TypeScript"), builds lib, and opens JupyterLab (or the classic notebook when that is what
 * is installed) on notebooks/. Options it does not know, and everything after `--`, go to Jupyter as given.
 */
import path from 'node:path';
import fs from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { parseCli, main } from './common';
import { findProjectRoot, loadConfig } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';
import { jupyterPython, registerKernel, userJupyterDataDir } from '../notebooks/runner';

const USAGE = `
npm run lab [-- --port 8888] [--no-browser] [-- JUPYTER OPTIONS...]

Registers the tslab kernel for your user, builds lib, and starts JupyterLab on notebooks/
(or the classic Jupyter Notebook if JupyterLab is not installed). Any other option, and everything
after a second --, is passed to Jupyter as given (e.g. --ip=0.0.0.0 or --NotebookApp.token=abc).
Run as root, it adds --allow-root (Jupyter refuses root without it).
`;

/** Our own flags; the rest of the command line is Jupyter's. */
const OWN = new Set(['--port', '--no-browser', '--profile', '--config', '--verbose', '--help', '-h']);

/** Splits argv into our flags and Jupyter's: after a `--`, or any option we do not know, it is Jupyter's. */
function splitLabArgs(argv: string[]): { own: string[]; jupyter: string[] } {
  const own: string[] = [];
  const jupyter: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      jupyter.push(...argv.slice(i + 1));
      break;
    }
    const name = a.split('=')[0];
    if (OWN.has(name)) {
      own.push(a);
      // --port 8899, --profile P, --config F take the next word as their value.
      if (!a.includes('=') && ['--port', '--profile', '--config'].includes(name) && i + 1 < argv.length) own.push(argv[++i]);
    } else jupyter.push(a);
  }
  return { own, jupyter };
}

/** The one command that installs a frontend on this machine (Debian packages the classic notebook, not JupyterLab). */
function installCommand(): string {
  const root = process.getuid?.() === 0;
  return fs.existsSync('/usr/bin/apt-get') ? `${root ? '' : 'sudo '}apt-get install jupyter-notebook` : 'python3 -m pip install notebook';
}

void main(async () => {
  const { own, jupyter } = splitLabArgs(process.argv.slice(2));
  const { values } = parseCli({ port: { type: 'string' }, 'no-browser': { type: 'boolean', default: false } }, USAGE, own);
  const root = findProjectRoot();
  const python = jupyterPython();
  const dataDir = userJupyterDataDir(python);
  const prefix = path.dirname(path.dirname(dataDir)); // <prefix>/share/jupyter
  registerKernel(root, prefix, python);
  process.stdout.write(`✓ tslab kernel registered in ${dataDir}/kernels/tslab\n`);

  const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'lib')], { encoding: 'utf8' });
  if (build.status !== 0) throw new OrderHeError(`Building lib failed, so the notebooks would import stale code:\n${build.stdout.trim()}`, 'npm run typecheck, fix the errors, then npm run lab');

  const has = (sub: string) => spawnSync(python, ['-m', 'jupyter', sub, '--version'], { encoding: 'utf8' }).status === 0;
  const frontend = has('lab') ? 'lab' : has('notebook') ? 'notebook' : undefined;
  if (!frontend) {
    const executed = path.join(loadConfig({ profile: values.profile, configFile: values.config }).pipeline.dataDir, 'out', 'notebooks');
    throw new OrderHeError(`No Jupyter frontend is installed; install one with: ${installCommand()}`, [
      'Then npm run lab again. The kernel is already registered, so these work too:',
      '  - VS Code with the Jupyter extension: open notebooks/*.ipynb and pick the "TypeScript" kernel.',
      `  - No frontend at all: npm run notebooks executes them; the copies (.ipynb and .html) land in ${executed}/.`,
      '  (Debian has no JupyterLab package; it is on PyPI: pip install jupyterlab in a virtual environment.)',
    ].join('\n'));
  }
  const asRoot = process.getuid?.() === 0 && !jupyter.includes('--allow-root');
  const args = ['-m', 'jupyter', frontend, ...(values.port ? [`--port=${values.port}`] : []), ...(values['no-browser'] ? ['--no-browser'] : []), ...(asRoot ? ['--allow-root'] : []), ...jupyter];
  const notebooks = path.join(root, 'notebooks');
  if (!fs.existsSync(notebooks)) throw new OrderHeError(`${notebooks} does not exist.`, 'Run npm run lab from the project checkout.');
  process.stdout.write(`Starting jupyter ${frontend} on ${notebooks}${asRoot ? ' (as root: --allow-root added)' : ''} (Ctrl+C stops it)\n`);
  const child = spawn(python, args, { cwd: notebooks, stdio: 'inherit' });
  // Ctrl+C or a kill reaches Jupyter too, which then shuts its kernels down.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 || code === null || signal ? resolve() : reject(new OrderHeError(`jupyter ${frontend} exited with code ${code}.`, 'See its messages above.'))));
  });
});
