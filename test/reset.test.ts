/**
 * `npm run reset -- --yes` leaves the data folder as git has it: after a pipeline run, a notebooks workspace and
 * a lesson's scratch files, `git status --ignored data` shows nothing, and the databases are gone. The data
 * folder here is a copy of the project's (its .gitignore and README) in a scratch git repository, so the
 * learner's own data/ is never touched.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { ROOT, runCli, testEnv } from './helpers';
import { loadConfig } from '../lib/core/config';
import { sideWorkspace } from '../tools/workspace';

const t = testEnv('reset');
const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-reset-repo-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-reset-home-'));
after(async () => {
  await t.cleanup();
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

const git = (...args: string[]) => spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });

async function databases(): Promise<string[]> {
  const conn = await mysql.createConnection({ host: t.config.source.host, port: t.config.source.port, user: t.config.source.user, password: t.config.source.password });
  try {
    const [rows] = await conn.query('SHOW DATABASES');
    return (rows as Record<string, string>[]).map((r) => Object.values(r)[0]);
  } finally {
    await conn.end();
  }
}

test('after npm run reset -- --yes --kernels, git status --ignored data shows nothing, and the databases and kernel are gone', async () => {
  fs.mkdirSync(path.join(repo, 'data'));
  fs.copyFileSync(path.join(ROOT, '.gitignore'), path.join(repo, '.gitignore'));
  fs.copyFileSync(path.join(ROOT, 'data', 'README.md'), path.join(repo, 'data', 'README.md'));
  assert.equal(git('init', '-q').status, 0);
  git('add', '.');
  assert.equal(git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'fixture').status, 0);

  const env = { ORDERHE_DATA_DIR: path.join(repo, 'data'), HOME: home, JUPYTER_DATA_DIR: undefined, XDG_DATA_HOME: undefined };
  const run = runCli(t, 'pipeline.ts', ['--orders', '200'], env);
  assert.equal(run.code, 0, run.all);
  // What the notebooks leave: their own workspace (a real pipeline run on its databases) and a lesson's scratch folder.
  const base = loadConfig({ env: { ...t.env, ...env }, projectRoot: ROOT });
  const ws = sideWorkspace(base, 'nb', {}, { ...t.env, ...env });
  const nb = runCli(t, 'pipeline.ts', ['--orders', '100'], ws.env);
  assert.equal(nb.code, 0, nb.all);
  fs.mkdirSync(path.join(repo, 'data', 'lessons', '03_transform'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'data', 'lessons', '03_transform', 'sample.csv'), 'a\n1\n');
  const kernel = runCli(t, 'kernel.ts', [], env);
  assert.equal(kernel.code, 0, kernel.all);
  const spec = path.join(home, '.local', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  assert.ok(fs.existsSync(spec), kernel.all);

  const status = () => git('status', '--ignored', '--porcelain', 'data').stdout.trim();
  assert.notEqual(status(), '', 'the runs wrote into data/');
  const before = await databases();
  for (const db of [base.source.database, ws.config.source.database]) assert.ok(before.includes(db), `${db} exists before the reset`);

  const reset = runCli(t, 'reset.ts', ['--yes', '--kernels'], env);
  assert.equal(reset.code, 0, reset.all);
  assert.equal(status(), '', `git status --ignored data after the reset:\n${status()}`);
  assert.ok(fs.existsSync(path.join(repo, 'data', 'README.md')), 'the tracked README stays');
  const after = await databases();
  for (const db of [base.source.database, ws.config.source.database]) assert.ok(!after.includes(db), `${db} dropped`);
  assert.ok(!fs.existsSync(spec), 'the kernel this project registered is unregistered');
  assert.match(reset.out, /unregistered the TypeScript kernel/);
});

test('reset refuses to empty a data folder that is a git checkout or the home folder', () => {
  for (const dir of [ROOT, os.homedir()]) {
    const r = runCli(t, 'reset.ts', ['--yes'], { ORDERHE_DATA_DIR: dir });
    assert.equal(r.code, 1, r.all);
    assert.match(r.err, /so reset will not empty it/);
  }
});
