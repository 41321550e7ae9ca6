/**
 * Reset: drops this project's source database, what the pipeline made in the warehouse (its adapter says what),
 * the lake objects the pipeline wrote, the same for the notebooks' and bench's side workspaces when they were used,
 * and everything under the data folder but its tracked README.md. With `kernels`, also the kernelspecs this
 * project registered. Nothing else is touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import type { OrderHeConfig } from '../lib/core/config';
import { withSourceServer } from '../lib/source/connection';
import { openLake } from '../lib/lake/connection';
import { warehouseAdapter } from '../lib/warehouse/open';
import { quoteMysqlIdent } from '../lib/core/identifiers';
import { OrderHeError } from '../lib/core/errors';
import { assertSeparate, sideWorkspace, workspaceDataDir, type WorkspaceName } from './workspace';
import { KERNEL_NAME, userJupyterDataDir } from './notebooks/runner';

/** The data folder's one tracked file (data/README.md), which reset keeps. */
const KEPT = new Set(['README.md']);

/** What reset would remove, for the confirmation prompt. */
export function resetPlan(config: OrderHeConfig, options: ResetOptions = {}): string[] {
  const w = config.warehouse;
  const entries = dataEntries(config.pipeline.dataDir);
  return [
    `MySQL database ${config.source.database} on ${config.source.host}:${config.source.port}`,
    warehouseAdapter(w).describeStorage(w),
    config.lake.kind === 'embedded' ? `the embedded lake in ${config.lake.dir}` : `objects under raw/, state/ and _doctor/ in bucket ${config.lake.bucket}`,
    ...usedWorkspaces(config).map(({ name, config: ws }) => `the ${name === 'nb' ? 'notebooks' : 'bench'} workspace's databases ${ws.source.database} and ${ws.warehouse.database}${ws.lake.kind === 'embedded' ? '' : ` and bucket ${ws.lake.bucket}`}`),
    entries.length ? `everything in the data folder ${config.pipeline.dataDir} but its README.md: ${entries.join(', ')}` : `nothing in the data folder ${config.pipeline.dataDir} (empty)`,
    ...(options.kernels ? registeredKernels(config.projectRoot).map((k) => `the TypeScript kernel registered in ${k}`) : []),
  ];
}

export interface ResetOptions {
  /** Also unregister the tslab kernels this project registered (npm run lab / kernel / notebooks). */
  kernels?: boolean;
}

/** The data folder's entries reset removes: all but README.md. */
function dataEntries(dataDir: string): string[] {
  if (!fs.existsSync(dataDir)) return [];
  return fs.readdirSync(dataDir).filter((e) => !KEPT.has(e)).sort();
}

/** A data folder reset may empty: never the project checkout, a home folder or the file system's root. */
function assertDataFolder(config: OrderHeConfig): void {
  const dir = path.resolve(config.pipeline.dataDir);
  const refuse = [path.parse(dir).root, os.homedir(), path.resolve(config.projectRoot)].includes(dir) || fs.existsSync(path.join(dir, '.git'));
  if (refuse) throw new OrderHeError(`The data folder is ${dir}, which holds more than this project's data, so reset will not empty it.`, 'Point ORDERHE_DATA_DIR (or pipeline.dataDir) at a folder of its own, e.g. data.');
}

/** The side workspaces (notebooks, bench) that were used: their data folder exists inside this one. */
function usedWorkspaces(config: OrderHeConfig): { name: WorkspaceName; config: OrderHeConfig }[] {
  const found: { name: WorkspaceName; config: OrderHeConfig }[] = [];
  for (const name of ['nb', 'bench'] as const) {
    if (!fs.existsSync(workspaceDataDir(config, name))) continue;
    try {
      const ws = sideWorkspace(config, name, { configFile: customConfigFile(config) });
      assertSeparate(config, ws.config, '');
      found.push({ name, config: ws.config });
    } catch {
      // A workspace that shares the learner's names is the learner's: reset below covers it.
    }
  }
  return found;
}

/** The config file when it is not the profile's own config/<profile>.yml. */
export function customConfigFile(config: OrderHeConfig): string | undefined {
  return config.file === path.join(config.projectRoot, 'config', `${config.profile}.yml`) ? undefined : config.file;
}

/** The kernelspecs this project registered: the user's (npm run lab / kernel) and the runner's private one. */
export function registeredKernels(projectRoot: string): string[] {
  const binary = path.join(projectRoot, 'node_modules', '.bin', 'tslab');
  const dirs = [path.join(userJupyterDataDir(), 'kernels', KERNEL_NAME), path.join(projectRoot, 'node_modules', '.cache', 'orderhe-jupyter')];
  return dirs.filter((d) => {
    if (d.includes('orderhe-jupyter')) return fs.existsSync(d);
    const spec = path.join(d, 'kernel.json');
    return fs.existsSync(spec) && fs.readFileSync(spec, 'utf8').includes(binary);
  });
}

export async function resetProject(config: OrderHeConfig, log: (s: string) => void = () => {}, options: ResetOptions = {}): Promise<void> {
  assertDataFolder(config);
  for (const ws of usedWorkspaces(config)) {
    await resetStores(ws.config, log);
  }
  await resetStores(config, log);
  const entries = dataEntries(config.pipeline.dataDir);
  for (const e of entries) fs.rmSync(path.join(config.pipeline.dataDir, e), { recursive: true, force: true });
  log(entries.length ? `removed from ${config.pipeline.dataDir}: ${entries.join(', ')}` : `${config.pipeline.dataDir} held nothing to remove`);
  if (options.kernels) {
    for (const k of registeredKernels(config.projectRoot)) {
      fs.rmSync(k, { recursive: true, force: true });
      log(`unregistered the TypeScript kernel in ${k}`);
    }
  }
}

/** Drops one workspace's source database, warehouse and lake objects. */
async function resetStores(config: OrderHeConfig, log: (s: string) => void): Promise<void> {
  const src = config.source;
  await withSourceServer(src, (conn) => conn.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(src.database, 'source.database')}`));
  log(`dropped MySQL database ${src.database}`);

  // Each warehouse removes only what the pipeline made in it: a PostgreSQL database, PGlite's folder, Redshift's three schemas.
  await warehouseAdapter(config.warehouse).drop(config.warehouse, log);

  if (config.lake.kind === 'embedded') {
    fs.rmSync(config.lake.dir, { recursive: true, force: true });
    log(`removed the embedded lake in ${config.lake.dir}`);
  } else {
    const lake = await openLake(config.lake, { create: false }).catch(() => undefined);
    if (lake) {
      try {
        let removed = 0;
        for (const prefix of ['raw/', 'state/', '_doctor/']) {
          for (;;) {
            const page = await lake.client.send(new ListObjectsV2Command({ Bucket: lake.bucket, Prefix: prefix }));
            const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
            if (keys.length === 0) break;
            await lake.client.send(new DeleteObjectsCommand({ Bucket: lake.bucket, Delete: { Objects: keys } }));
            removed += keys.length;
          }
        }
        // Only a bucket left empty is removed: it may hold objects that are not ours.
        await lake.client.send(new DeleteBucketCommand({ Bucket: lake.bucket })).catch(() => {});
        log(`removed ${removed} lake objects from ${lake.bucket}`);
      } finally {
        await lake.close();
      }
    }
  }
}
