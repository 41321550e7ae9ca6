/**
 * The library's shape, as the restructure promised it: one folder per step in the order data flows, each
 * module importing only from the steps before it and from core/, no import cycles (type imports included),
 * a handful of files at the top, and no step code that asks which warehouse it is talking to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers';

const LIB = path.join(ROOT, 'lib');
/** The layers, lowest first: a module may import from its own folder and from folders to its left. */
const LAYERS = ['core', 'generate', 'source', 'lake', 'quality', 'warehouse', 'mart', 'charts', 'notebook', '.'];

function libFiles(dir = LIB): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : libFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every relative module a file names: import / export ... from, `import type`, dynamic import() and require(). */
export function relativeImports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specs.map((s) => {
    const base = path.resolve(path.dirname(file), s);
    for (const c of [`${base}.ts`, path.join(base, 'index.ts'), `${base}.d.ts`]) if (fs.existsSync(c)) return c;
    throw new Error(`${path.relative(ROOT, file)} imports ${s}, which resolves to no file`);
  }).filter((f) => !f.endsWith('.d.ts'));
}

const layerOf = (file: string) => {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length === 1 ? '.' : rel[0];
};

test('lib has one folder per step and at most 6 .ts files at its top', () => {
  for (const d of ['generate', 'source', 'lake', 'warehouse', 'mart', 'quality', 'charts', 'notebook', 'core']) {
    assert.ok(fs.existsSync(path.join(LIB, d, 'index.ts')), `lib/${d}/index.ts (the folder's public face) is missing`);
  }
  const top = fs.readdirSync(LIB).filter((f) => f.endsWith('.ts'));
  assert.ok(top.length <= 6, `lib/ has ${top.length} .ts files at its top: ${top.join(', ')}`);
});

test('every lib module imports only from its own step, the steps before it, and core', () => {
  const wrong: string[] = [];
  for (const file of libFiles()) {
    const mine = LAYERS.indexOf(layerOf(file));
    assert.ok(mine >= 0, `${path.relative(ROOT, file)} is in a folder that is no layer: ${LAYERS.join(', ')}`);
    for (const dep of relativeImports(file)) {
      if (LAYERS.indexOf(layerOf(dep)) > mine) wrong.push(`${path.relative(LIB, file)} → ${path.relative(LIB, dep)}`);
    }
  }
  assert.deepEqual(wrong, [], `imports against the data flow (${LAYERS.join(' < ')}):\n${wrong.join('\n')}`);
});

test('no import cycle among lib/**/*.ts, type imports included', () => {
  const graph = new Map(libFiles().map((f) => [f, relativeImports(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, chain: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...chain.slice(chain.indexOf(f)), f].map((x) => path.relative(LIB, x)).join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const d of graph.get(f) ?? []) visit(d, [...chain, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});

test('no code outside lib/warehouse/ compares warehouse driver names', () => {
  const offenders = libFiles().filter((f) => !f.startsWith(path.join(LIB, 'warehouse') + path.sep))
    .filter((f) => /\.driver\s*[!=]==?|[!=]==?\s*['"](postgres|pglite|redshift)['"]|case\s+['"](postgres|pglite|redshift)['"]/.test(fs.readFileSync(f, 'utf8')))
    .map((f) => path.relative(ROOT, f));
  assert.deepEqual(offenders, []);
});

test('the CLI, bench and notebook runner live outside the package notebooks import', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  // Each command goes through the launcher (tools/launch.cjs), which runs tools/cli/<name>.ts from the build in dist/,
  // or from the sources when the build is older than them.
  for (const name of ['pipeline', 'doctor', 'notebooks', 'lab', 'kernel', 'bench', 'reset', 'lake']) {
    assert.match(pkg.scripts[name], new RegExp(`^node (--max-old-space-size=\\d+ )?tools/launch\\.cjs ${name}$`), `npm run ${name} should run tools/launch.cjs ${name}`);
    assert.ok(fs.existsSync(path.join(ROOT, 'tools', 'cli', `${name}.ts`)), `npm run ${name}: tools/cli/${name}.ts is missing`);
  }
  const inLib = libFiles().filter((f) => /bench|runner\.ts$|reset|cli/.test(path.relative(LIB, f)) && !f.endsWith(path.join('core', 'runner.ts')));
  assert.deepEqual(inLib.map((f) => path.relative(ROOT, f)), []);
});

test('the public face (lib/index.ts) names every export a notebook imports, and stays small', () => {
  const face = fs.readFileSync(path.join(LIB, 'index.ts'), 'utf8');
  const exported = new Set([...face.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) => m[1].split(',')).map((n) => n.replace(/^\s*type\s+/, '').trim()).filter(Boolean));
  for (const m of face.matchAll(/export (?:async )?function (\w+)/g)) exported.add(m[1]);
  const missing: string[] = [];
  for (const nb of fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb'))) {
    const cells = (JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', nb), 'utf8')) as { cells: { cell_type: string; source: string[] | string }[] }).cells;
    for (const cell of cells.filter((c) => c.cell_type === 'code')) {
      for (const m of [cell.source].flat().join('').matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@orderhe\/lib'/g)) {
        for (const raw of m[1].split(',')) {
          const name = raw.replace(/^\s*type\s+/, '').split(/\s+as\s+/)[0].trim();
          if (name && !exported.has(name)) missing.push(`${nb}: ${name}`);
        }
      }
    }
  }
  assert.deepEqual(missing, [], 'names notebooks import that lib/index.ts does not export');
  // The face lists what notebooks call, not every module's every export (the old index re-exported 187 names).
  assert.ok(exported.size < 187, `lib/index.ts exports ${exported.size} names`);
});
