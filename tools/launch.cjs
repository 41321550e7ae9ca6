#!/usr/bin/env node
/**
 * What `npm run <command>` starts: `node tools/launch.cjs <command> [args]` runs tools/cli/<command>.ts.
 *
 * Why a launcher: compiled JavaScript starts in a fraction of the time tsx needs (tsx compiles every source at
 * every start), but a build older than the sources would silently run yesterday's code. So before anything
 * else it compares each .ts under lib/ and tools/ with its compiled twin in dist/ (one stat each, about 150
 * files, a few ms) and then
 *   - runs dist/tools/cli/<command>.js in this process when every twin is at least as new as its source;
 *   - otherwise runs the TypeScript sources through tsx, in this process too, exactly as `node --import tsx`
 *     did before the build existed, after one stderr line saying so and that `npm run build` makes starts fast again.
 * Falling back rather than rebuilding: a build takes 15-20 s on this project's 2-core machines, far more than the
 * tsx start it would save, and a half-edited source that does not type-check still runs (as it did before).
 * Plain CommonJS with no dependencies, so it needs no build itself.
 *
 * ORDERHE_CLI_FORCE=source runs the sources (for a debugger); ORDERHE_CLI_FORCE=dist runs the build even when stale.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

/** The first source newer than its compiled twin (or without one), relative to the root; undefined when the build is fresh. */
function staleSource(root = ROOT) {
  const dist = path.join(root, 'dist');
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'dist' || e.name === 'node_modules') continue;
        const found = walk(file);
        if (found) return found;
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts')) {
        const rel = path.relative(root, file);
        const built = path.join(dist, rel.replace(/\.ts$/, '.js'));
        let builtAt;
        try {
          builtAt = fs.statSync(built).mtimeMs;
        } catch {
          return rel;
        }
        if (fs.statSync(file).mtimeMs > builtAt) return rel;
      }
    }
    return undefined;
  };
  return walk(path.join(root, 'lib')) ?? walk(path.join(root, 'tools'));
}

async function launch() {
  const command = process.argv[2];
  const source = command && /^[a-z][a-z-]*$/.test(command) && command !== 'common' ? path.join(ROOT, 'tools', 'cli', `${command}.ts`) : '';
  if (!source || !fs.existsSync(source)) {
    process.stderr.write(`✗ No command "${command ?? ''}" in tools/cli/.\n  Use npm run pipeline, doctor, lake, bench, reset, notebooks, lab or kernel.\n`);
    process.exit(1);
  }
  const force = process.env.ORDERHE_CLI_FORCE;
  const stale = force === 'dist' ? undefined : force === 'source' ? 'ORDERHE_CLI_FORCE=source' : staleSource();
  const entry = stale ? source : path.join(DIST, 'tools', 'cli', `${command}.js`);
  // The command reads its flags from process.argv.slice(2), as when node ran it directly.
  process.argv.splice(1, 2, entry);
  if (stale) {
    if (force !== 'source') process.stderr.write(`(${stale} is newer than its build in dist/: running the TypeScript sources, slower to start; npm run build makes starts fast again)\n`);
    // The same hooks `node --import tsx` registers (CommonJS and ESM), then the entry as tsx would load it.
    await import('tsx');
    require(entry);
    return;
  }
  // Stack traces (--verbose) point at the .ts sources; only then, as reading source maps costs start time.
  if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
  require(entry);
}

if (require.main === module) {
  launch().catch((err) => {
    process.stderr.write(`✗ ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}

module.exports = { staleSource };
