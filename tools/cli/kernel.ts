/**
 * Registers the tslab kernel ("TypeScript") for this user, so VS Code, JupyterLab or the classic notebook
 * started any way can run the notebooks. `npm run lab` does this too; this is for people who start their
 * own frontend. With --prefix DIR it registers under DIR/share/jupyter instead (set JUPYTER_PATH to use it).
 */
import path from 'node:path';
import { parseCli, main } from './common';
import { findProjectRoot } from '../../lib/core/config';
import { jupyterPython, registerKernel, userJupyterDataDir } from '../notebooks/runner';

const USAGE = `
npm run kernel [-- --prefix DIR]

Registers the tslab TypeScript kernel for your user (or under DIR/share/jupyter).
`;

void main(async () => {
  const { values } = parseCli({ prefix: { type: 'string' } }, USAGE);
  const python = jupyterPython();
  let prefix = values.prefix;
  if (!prefix) {
    const dataDir = userJupyterDataDir(python);
    prefix = path.dirname(path.dirname(dataDir));
  }
  const jupyterPath = registerKernel(findProjectRoot(), path.resolve(prefix), python);
  process.stdout.write(`✓ tslab kernel registered in ${jupyterPath}/kernels/tslab\n`);
});
