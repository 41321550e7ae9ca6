/**
 * The commands start from the build (dist/, made by npm run build) through tools/launch.cjs: --help loads no
 * heavy package, and a build older than the sources is never run silently.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers';
import { measureCliStart, cliStartLine } from '../tools/bench/cli-start';

const { staleSource } = require('../tools/launch.cjs') as { staleSource(root?: string): string | undefined };

/** Packages that cost start time (measured: each 70 ms to 1.8 s to require) and that --help must not load. */
const HEAVY = ['danfojs', 'vega', 'vega-lite', '@electric-sql/pglite', '@aws-sdk', '@smithy', 's3rver', 'mysql2', 'pg', 'pg-copy-streams',
  '@faker-js/faker', '@resvg/resvg-js', 'js-yaml', 'tsx', 'esbuild', 'typescript'];

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-cli-start-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Builds the commands when a source is newer than dist/ (as after an edit without npm run build): this file tests the build. */
function freshBuild() {
  const stale = staleSource();
  if (!stale) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tools')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `${stale} is newer than dist/ and npm run build's tools step failed:\n${r.stdout}`);
}

test('npm run pipeline -- --help runs the build, prints the usage, exits 0 and loads no heavy package (require or import)', () => {
  freshBuild();
  const log = path.join(scratch, 'loaded.txt');
  const hook = path.join(scratch, 'record-loads.cjs');
  // Every module this process and its children load: require's cache at exit, and every URL the ESM loader resolves
  // (a resolve hook on the loader thread), so a package loaded with import() is seen too.
  fs.writeFileSync(hook, `
const fs = require('node:fs');
const out = ${JSON.stringify(log)};
require('node:module').register('data:text/javascript,' + encodeURIComponent(
  "import fs from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); fs.appendFileSync(" + JSON.stringify(out) + ", r.url + '\\\\n'); return r; }"));
process.on('exit', () => fs.appendFileSync(out, Object.keys(require.cache).join('\\n') + '\\n'));
`);
  const r = spawnSync('npm', ['run', '--silent', 'pipeline', '--', '--help'], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--require ${hook}`, ORDERHE_CLI_FORCE: '' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Usage: npm run pipeline -- \[options\]/m);
  assert.match(r.stdout, /--from STEP/);
  assert.equal(r.stderr, '', 'nothing on stderr: no "newer than its build" line, no warning');
  const loaded = fs.readFileSync(log, 'utf8').split('\n').map((l) => l.replace(/^file:\/\//, '')).filter((l) => l.startsWith(ROOT));
  assert.ok(loaded.includes(path.join(ROOT, 'dist/tools/cli/pipeline.js')), `the compiled entry ran:\n${loaded.join('\n')}`);
  assert.ok(!loaded.some((f) => f.endsWith('.ts')), 'no TypeScript source was loaded');
  const packages = [...new Set(loaded.filter((f) => f.includes('/node_modules/')).map((f) => {
    const parts = f.split('/node_modules/').pop()!.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }))];
  const heavy = packages.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)));
  assert.deepEqual(heavy, [], `--help loaded ${heavy.join(', ')}; load them with await import() once the flags are parsed`);
});

/** A copy of the project's sources and build (node_modules linked), timestamps kept, to edit without touching the real tree. */
function projectCopy(): string {
  const copy = path.join(scratch, 'project');
  for (const entry of ['package.json', 'config', 'tools', 'lib', 'dist']) {
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), {
      recursive: true, preserveTimestamps: true,
      filter: (src) => !src.startsWith(path.join(ROOT, 'lib', 'dist')) && !src.includes(`${path.sep}node_modules`),
    });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

test('a build older than its sources is not run silently: the launcher says so in one line and runs the sources', () => {
  freshBuild();
  const copy = projectCopy();
  const help = () => spawnSync('npm', ['run', '--silent', 'pipeline', '--', '--help'], { cwd: copy, encoding: 'utf8', env: { ...process.env, ORDERHE_CLI_FORCE: '' } });
  assert.equal(staleSource(copy), undefined, 'the copy starts with a fresh build');
  const fresh = help();
  assert.equal(fresh.status, 0, fresh.stdout + fresh.stderr);
  assert.equal(fresh.stderr, '');

  // An edit the build has not seen: the command must show it (the old build would not), and say it runs the sources.
  const source = path.join(copy, 'tools/cli/pipeline.ts');
  fs.writeFileSync(source, fs.readFileSync(source, 'utf8').replace('Runs ${STEP_NAMES', 'EDITED SINCE THE BUILD. Runs ${STEP_NAMES'));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(source, later, later);
  assert.equal(staleSource(copy), path.join('tools', 'cli', 'pipeline.ts'));
  const stale = help();
  assert.equal(stale.status, 0, stale.stdout + stale.stderr);
  assert.match(stale.stdout, /EDITED SINCE THE BUILD/, 'the edited source ran, not the old build');
  assert.equal(stale.stderr.trim().split('\n').length, 1, `one line on stderr:\n${stale.stderr}`);
  assert.match(stale.stderr, /tools\/cli\/pipeline\.ts is newer than its build in dist\/.*npm run build makes starts fast again/);

  // A lib source counts too, and so does a new file the build has never compiled.
  fs.writeFileSync(path.join(copy, 'tools/cli/pipeline.ts'), fs.readFileSync(path.join(ROOT, 'tools/cli/pipeline.ts')));
  fs.utimesSync(path.join(copy, 'tools/cli/pipeline.ts'), new Date(0), new Date(0));
  assert.equal(staleSource(copy), undefined);
  fs.writeFileSync(path.join(copy, 'lib/core/new-module.ts'), 'export const x = 1;\n');
  assert.equal(staleSource(copy), path.join('lib', 'core', 'new-module.ts'));
});

test('the bench measures the CLI start as medians of npm run pipeline -- --help and npm run env, and their ratio', async () => {
  freshBuild();
  const c = await measureCliStart(1);
  assert.ok(c.pipelineHelpSeconds > 0 && c.npmEnvSeconds > 0, JSON.stringify(c));
  assert.ok(Math.abs(c.ratio - c.pipelineHelpSeconds / c.npmEnvSeconds) < 0.02, JSON.stringify(c));
  assert.equal(c.fromBuild, true);
  assert.match(cliStartLine(c), /^CLI start: npm run pipeline -- --help [\d.]+ s, npm run env [\d.]+ s: [\d.]+× \(target ≤ 3×/);
});
