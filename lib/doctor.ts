/**
 * The doctor: checks every part a pipeline run needs and says, for each failure, why and what to do.
 * This is the original project's "key issues" section made runnable: a closed security group shows up
 * as a refused or timed-out connection, a missing IAM permission as an access-denied lake or COPY,
 * and a warehouse BI tools cannot reach is answered by the offline dashboard and CSV exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, GetObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { OrderHeConfig } from './core/config';
import { OrderHeError, describeError, redact } from './core/errors';
import { withSourceServer } from './source/connection';
import { openLake } from './lake/connection';
import { warehouseAdapter } from './warehouse/open';
import { checkBeforeRun } from './pipeline';
import { STEP_NAMES } from './core/steps';

export interface DoctorCheck {
  part: string;
  ok: boolean;
  /** What was found (ok) or what is wrong (not ok), in one sentence. */
  message: string;
  fix?: string;
}

async function check(part: string, run: () => Promise<string>): Promise<DoctorCheck> {
  try {
    return { part, ok: true, message: await run() };
  } catch (err) {
    const message = describeError(err instanceof OrderHeError ? new OrderHeError(err.message) : err);
    return { part, ok: false, message, fix: err instanceof OrderHeError ? err.fix : undefined };
  }
}

export async function checkSource(cfg: OrderHeConfig['source']): Promise<string> {
  return withSourceServer(cfg, async (conn) => {
    const [[vars]] = (await conn.query('SELECT VERSION() AS version, @@local_infile AS local_infile')) as unknown as [{ version: string; local_infile: number }[]];
    const [found] = (await conn.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [cfg.database])) as unknown as [unknown[]];
    const [grants] = (await conn.query('SHOW GRANTS')) as unknown as [Record<string, string>[]];
    const grantText = grants.map((g) => Object.values(g)[0]).join('\n');
    const mayCreate = /GRANT ALL PRIVILEGES ON \*\.\*|GRANT .*CREATE.* ON \*\.\*/i.test(grantText) || grantText.includes(`ON \`${cfg.database}\``);
    if (found.length === 0 && !mayCreate) {
      throw new OrderHeError(`The MySQL database "${cfg.database}" does not exist and user "${cfg.user}" may not create it.`, `As an admin: CREATE DATABASE ${cfg.database}; GRANT ALL ON ${cfg.database}.* TO '${cfg.user}'@'%';`);
    }
    if (Number(vars.local_infile) !== 1) {
      throw new OrderHeError(`MySQL has local_infile OFF, so the bulk load (LOAD DATA LOCAL INFILE) is refused.`, 'As an admin: SET GLOBAL local_infile = 1; (on RDS: set local_infile=1 in the DB parameter group).');
    }
    return `${cfg.host}:${cfg.port} as ${cfg.user}, ${vars.version}, database ${cfg.database} ${found.length ? 'exists' : 'will be created'}, local_infile ON`;
  });
}

export async function checkLake(cfg: OrderHeConfig['lake']): Promise<string> {
  // The embedded bucket is ours to create; on S3 the least-privilege pipeline user may not create buckets.
  const lake = await openLake(cfg, { create: cfg.kind === 'embedded' });
  const key = `_doctor/probe-${process.pid}.txt`;
  try {
    await lake.client.send(new PutObjectCommand({ Bucket: lake.bucket, Key: key, Body: 'doctor' }));
    const got = await lake.client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: key }));
    await got.Body?.transformToString();
    await lake.client.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: key }));
    return `${lake.endpoint}, bucket ${lake.bucket}: write, read and delete work`;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) {
      throw new OrderHeError(`The lake let us see bucket "${lake.bucket}" but denied writing to it.`, 'Attach config/iam/pipeline-user-policy.json (s3:PutObject, GetObject, DeleteObject, ListBucket on this bucket) to the pipeline user.');
    }
    throw err;
  } finally {
    await lake.close();
  }
}

/** The warehouse adapter's own check: PostgreSQL's database or CREATEDB right, PGlite's folder, Redshift's workgroup and IAM role. */
export async function checkWarehouse(cfg: OrderHeConfig['warehouse']): Promise<string> {
  return warehouseAdapter(cfg).check(cfg);
}

export async function checkOutputs(config: OrderHeConfig): Promise<string> {
  const out = path.join(config.pipeline.dataDir, 'out');
  try {
    fs.mkdirSync(out, { recursive: true });
    fs.accessSync(out, fs.constants.W_OK);
  } catch {
    throw new OrderHeError(`Cannot write to ${out}.`, 'Set ORDERHE_DATA_DIR to a folder you can write, or fix the folder\'s permissions.');
  }
  // Key issue 3: BI tools often cannot reach a private Redshift; the dashboard file and CSV exports need no connection.
  return `${out} is writable (dashboard.html and mart CSV exports go there; any BI tool can import the CSVs)`;
}

/** Runs every check; never throws. The CLI prints them and exits 1 when any failed. */
export async function runDoctor(config: OrderHeConfig): Promise<DoctorCheck[]> {
  return [
    // The same pre-run checks the pipeline makes (loadConfig has already refused bad values and names).
    await check('folders', async () => {
      checkBeforeRun(config, STEP_NAMES);
      return `${config.pipeline.dataDir} and the folders under it can be written`;
    }),
    await check('MySQL source', () => checkSource(config.source)),
    await check('lake', () => checkLake(config.lake)),
    await check('warehouse', () => checkWarehouse(config.warehouse)),
    // What this warehouse needs besides a connection (Redshift: its IAM role reading the lake, key issue 2).
    ...(await Promise.all(warehouseAdapter(config.warehouse).extraChecks(config).map((c) => check(c.part, c.run)))),
    await check('outputs', () => checkOutputs(config)),
  ];
}

// The same report inside a notebook: a cell builds a config (say with a deliberately wrong port) and a learner
// sees a key issue and its fix at the step where it happens.

/** The report's lines as `npm run doctor` prints them (secrets masked). */
export function doctorReportLines(checks: DoctorCheck[]): string[] {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(redact(`${c.ok ? '✓' : '✗'} ${c.part.padEnd(13)} ${c.message}`));
    if (c.fix) lines.push(redact(`    fix: ${c.fix}`));
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(failed ? `${failed} problem(s) found.` : 'All good: npm run pipeline is ready to run.');
  return lines;
}

/** Runs every doctor check for `config`, prints the report and returns the checks (never throws). */
export async function showDoctor(config: OrderHeConfig): Promise<DoctorCheck[]> {
  const checks = await runDoctor(config);
  console.log(doctorReportLines(checks).join('\n'));
  return checks;
}
