/**
 * `npm run lab` as a newcomer meets it: with no Jupyter frontend it names the one command that installs one;
 * with the classic notebook installed (Debian's jupyter-notebook) it serves the TypeScript kernel, as root too.
 * Both run on every machine: the first hides the frontends from Python, the second skips, saying why, only
 * where no frontend is installed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT, testEnv } from './helpers';

const t = testEnv('lab');
after(() => fs.rmSync(t.dataDir, { recursive: true, force: true }));
const labScript = path.join(ROOT, 'tools', 'cli', 'lab.ts');
const frontendInstalled = ['lab', 'notebook'].some((f) => spawnSync('jupyter', [f, '--version']).status === 0);

function freshHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-home-'));
}

test('with no Jupyter frontend, npm run lab registers the kernel and names the one command that installs a frontend', () => {
  const home = freshHome();
  // Python modules that fail to import stand in for "not installed": `jupyter notebook` and `jupyter lab` then fail as they would.
  const hide = path.join(home, 'hide');
  for (const pkg of ['notebook', 'jupyterlab']) {
    fs.mkdirSync(path.join(hide, pkg), { recursive: true });
    fs.writeFileSync(path.join(hide, pkg, '__init__.py'), `raise ImportError("${pkg} hidden by the test")\n`);
  }
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', labScript, '--no-browser'], {
      cwd: ROOT, env: { ...t.env, HOME: home, PYTHONPATH: hide, JUPYTER_DATA_DIR: undefined, XDG_DATA_HOME: undefined, ORDERHE_DATA_DIR: '/tmp/orderhe-lab-elsewhere' }, encoding: 'utf8', timeout: 120_000,
    });
    const kernel = path.join(home, '.local', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
    assert.ok(fs.existsSync(kernel), `kernel registered in ${kernel}\n${run.stdout}${run.stderr}`);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const install = process.getuid?.() === 0 ? 'apt-get install jupyter-notebook' : 'sudo apt-get install jupyter-notebook';
    assert.match(run.stderr, new RegExp(`^✗ No Jupyter frontend is installed; install one with: ${install}\\n`));
    assert.match(run.stderr, /VS Code/);
    assert.ok(run.stderr.includes('/tmp/orderhe-lab-elsewhere/out/notebooks/'), 'the executed copies are named where ORDERHE_DATA_DIR puts them');
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test('with jupyter-notebook installed, npm run lab -- --no-browser --port 8899 serves the TypeScript kernel (as root it adds --allow-root)', async (ctx) => {
  if (!frontendInstalled) return ctx.skip('no Jupyter frontend is installed here (apt-get install jupyter-notebook); the test above covers this machine');
  const home = freshHome();
  const child = spawn(process.execPath, ['--import', 'tsx', labScript, '--no-browser', '--port', '8899'], {
    cwd: ROOT, env: { ...t.env, HOME: home, JUPYTER_DATA_DIR: undefined, XDG_DATA_HOME: undefined, JUPYTER_RUNTIME_DIR: undefined }, detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    const until = Date.now() + 120_000;
    let token: string | undefined;
    while (!token) {
      if (child.exitCode !== null) assert.fail(`npm run lab exited (${child.exitCode}):\n${output}`);
      if (Date.now() > until) assert.fail(`no server URL within 120 s:\n${output}`);
      token = /:8899\/(?:(?:lab|tree)\?)?\??token=([0-9a-f]+)/.exec(output)?.[1];
      await new Promise((r) => setTimeout(r, 200));
    }
    if (process.getuid?.() === 0) assert.match(output, /--allow-root added/);
    const res = await fetch(`http://127.0.0.1:8899/api/kernelspecs?token=${token}`);
    assert.equal(res.status, 200);
    const specs = (await res.json()) as { kernelspecs: Record<string, { spec: { display_name: string } }> };
    assert.ok('tslab' in specs.kernelspecs, `kernelspecs: ${Object.keys(specs.kernelspecs).join(', ')}`);
    assert.equal(specs.kernelspecs.tslab.spec.display_name, 'TypeScript');
  } finally {
    // The whole group: node, and the Jupyter server it started.
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.on('exit', r)));
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test("npm run lab passes options it does not know, and everything after --, to Jupyter", async (ctx) => {
  // --version is Jupyter's own: printed by the frontend, after our kernel registration, with no server started.
  if (!frontendInstalled) return ctx.skip('no Jupyter frontend is installed here to receive the options');
  const home = freshHome();
  try {
    // --allow-root is not ours: it goes to Jupyter as given (it used to end in "Unknown option '--allow-root'").
    const run = spawnSync(process.execPath, ['--import', 'tsx', labScript, '--allow-root', '--', '--version'], {
      cwd: ROOT, env: { ...t.env, HOME: home, JUPYTER_DATA_DIR: undefined, XDG_DATA_HOME: undefined }, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+$/m, 'the frontend printed its version');
    assert.doesNotMatch(run.stderr, /Unknown option/);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
