/**
 * `npm test` starts with tools/test-prerequisites.ts: on a fresh machine it installs what the suite needs (as
 * root) or says in one sentence what to install. `.ci/run` runs exactly the commands README shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers';

const script = path.join(ROOT, 'tools', 'test-prerequisites.ts');

test('on this machine the prerequisites are all there, so the check passes without installing anything', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /installing|starting it/);
});

test('a user who is not root and lacks Jupyter (nbconvert, the notebook) and awscli is told in one sentence which command installs them', (t) => {
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/sbin/runuser')) return t.skip('needs root to run the check as the user nobody');
  // A PATH holding only node: no jupyter-nbconvert and no aws to find. Run as nobody, so nothing is installed.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-prereq-'));
  fs.chmodSync(bin, 0o755);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  try {
    const r = spawnSync('/usr/sbin/runuser', ['-u', 'nobody', '--', 'env', `PATH=${bin}`, 'HOME=/tmp', path.join(bin, 'node'), '--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one sentence:\n${r.stderr}`);
    assert.match(r.stderr, /^✗ npm test needs jupyter-nbconvert, jupyter-notebook, awscli: install them with "sudo apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-notebook awscli"/);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test(".ci/run runs exactly README's fresh-machine commands, and those are npm ci and npm test", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- ci:begin -->\s*```bash\n([\s\S]*?)```\s*<!-- ci:end -->/.exec(readme);
  assert.ok(block, 'README marks its fresh-machine commands with <!-- ci:begin --> … <!-- ci:end -->');
  const commands = block[1].split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  assert.deepEqual(commands, ['npm ci', 'npm test']);
  const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
  assert.match(ci, /ci:begin/, '.ci/run reads the block from README instead of holding its own copy');
  const lines = ci.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  assert.ok(!lines.some((l) => /apt-get|npm (ci|test)|mariadbd|pg_ctlcluster/.test(l)), `.ci/run has no commands of its own:\n${lines.join('\n')}`);
});
