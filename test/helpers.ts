/**
 * Every test suite gets its own MySQL database, warehouse database, bucket and data folder,
 * named after the suite and the process, created by the pipeline and dropped at the end,
 * so a learner's `orderhe` / `orderhe_dw` / `orderhe-lake` are never touched.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { loadConfig, type OrderHeConfig } from '../lib/core/config';
import { type PipelineContext } from '../lib/core/context';
import { openPipeline } from '../lib/pipeline';
import { resetProject } from '../tools/reset';

export const ROOT = path.resolve(__dirname, '..');

export interface TestEnv {
  /** Environment variables that point every profile at this suite's own resources. */
  env: NodeJS.ProcessEnv;
  config: OrderHeConfig;
  dataDir: string;
  open(): PipelineContext;
  /** Drops the suite's databases and deletes its data folder (the embedded lake lives inside it). */
  cleanup(): Promise<void>;
}

/** `servers`: settings that point the suite at other servers (e.g. MYSQL_PORT, PGPORT of a private instance). */
export function testEnv(suite: string, profile = 'local', servers: NodeJS.ProcessEnv = {}): TestEnv {
  const tag = `${suite}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `orderhe-${suite}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...servers,
    ORDERHE_PROFILE: profile,
    MYSQL_DATABASE: `orderhe_t_${tag}`,
    PGDATABASE: `orderhe_dw_t_${tag}`,
    LAKE_BUCKET: `orderhe-t-${tag.replace(/_/g, '-')}`,
    ORDERHE_DATA_DIR: dataDir,
  };
  const config = loadConfig({ profile, env, projectRoot: ROOT });
  return {
    env,
    config,
    dataDir,
    open: () => openPipeline({ config }),
    async cleanup() {
      await dropTestDatabases(config);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Drops the suite's databases (and lake, generated files and outputs) with the project's own reset. */
export async function dropTestDatabases(config: OrderHeConfig) {
  await resetProject(config);
}

export interface CliResult { code: number | null; out: string; err: string; all: string }

/** Runs one of tools/cli/*.ts the way `npm run` does (through tsx), in the suite's environment. */
export function runCli(t: TestEnv, script: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli', script), ...args], {
    cwd: ROOT, env: { ...t.env, ...env }, encoding: 'utf8', timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, all: r.stdout + r.stderr };
}

/** Starts a CLI in the background; `output()` is what it printed so far. */
export function startCli(t: TestEnv, script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli', script), ...args], { cwd: ROOT, env: { ...t.env, ...env } });
  let text = '';
  let errors = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => { text += d; errors += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => text,
    errors: () => errors,
    /** Resolves once the output matches, or rejects when the process ends first. */
    async waitFor(pattern: RegExp, timeoutMs = 240_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before printing ${pattern}:\n${text}`);
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}:\n${text}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** One or two sentences, a fix, no stack trace. */
export function assertPlainFailure(r: CliResult, pattern: RegExp) {
  assert.equal(r.code, 1, r.all);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.all, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.ok(r.err.trim().split('\n').length <= 3, `short message, got:\n${r.err}`);
}

/** One query on the suite's MySQL source database, on a connection of its own (closed after). */
export async function sourceQuery<T>(env: TestEnv, sql: string): Promise<T[]> {
  const c = env.config.source;
  const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database });
  try {
    return (await conn.query(sql))[0] as T[];
  } finally {
    await conn.end();
  }
}

/** How many orders the suite's MySQL source holds. */
export async function sourceOrderCount(env: TestEnv): Promise<number> {
  const [r] = await sourceQuery<{ n: number | string }>(env, 'SELECT COUNT(*) AS n FROM orders');
  return Number(r.n);
}

/** One query on the suite's warehouse database, on a client of its own (closed after). */
export async function warehouseQuery<T>(env: TestEnv, sql: string): Promise<T[]> {
  const w = env.config.warehouse;
  const client = new pg.Client({ host: w.host, port: w.port, user: w.user, password: w.password, database: w.database });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
