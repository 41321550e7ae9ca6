/**
 * Side workspaces: `npm run notebooks` and `npm run bench` run the pipeline on their own MySQL database,
 * warehouse database, bucket and data folder, named after the learner's with a suffix, so they never
 * replace the learner's shop. The names travel as the standard environment variables every profile reads.
 */
import path from 'node:path';
import { loadConfig, type LoadConfigOptions, type OrderHeConfig } from '../lib/core/config';
import { OrderHeError } from '../lib/core/errors';

export type WorkspaceName = 'nb' | 'bench';

/** The data folder of a side workspace, inside the learner's (so git ignores it and reset removes it). */
export function workspaceDataDir(base: OrderHeConfig, name: WorkspaceName): string {
  return path.join(base.pipeline.dataDir, name === 'nb' ? 'notebooks-workspace' : 'bench');
}

/** The environment and config of a side workspace of `base` (the learner's config). */
export function sideWorkspace(base: OrderHeConfig, name: WorkspaceName, options: LoadConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): { env: NodeJS.ProcessEnv; config: OrderHeConfig } {
  const wsEnv: NodeJS.ProcessEnv = {
    ...env,
    ...(options.configFile ? {} : { ORDERHE_PROFILE: base.profile }),
    MYSQL_DATABASE: `${base.source.database}_${name}`,
    PGDATABASE: `${base.warehouse.database}_${name}`,
    LAKE_BUCKET: `${base.lake.bucket}-${name}`,
    ORDERHE_DATA_DIR: workspaceDataDir(base, name),
  };
  const config = loadConfig({ ...options, env: wsEnv, projectRoot: base.projectRoot });
  return { env: wsEnv, config };
}

/** Refuses a workspace whose config ignored the environment (a config file with fixed names): it would be the learner's own. */
export function assertSeparate(base: OrderHeConfig, ws: OrderHeConfig, how: string): void {
  const same = [
    ws.source.database === base.source.database && `MySQL database ${ws.source.database}`,
    ws.warehouse.database === base.warehouse.database && ws.warehouse.driver !== 'pglite' && `warehouse database ${ws.warehouse.database}`,
    ws.lake.bucket === base.lake.bucket && ws.lake.kind !== 'embedded' && `bucket ${ws.lake.bucket}`,
  ].filter(Boolean);
  if (same.length) {
    throw new OrderHeError(`${base.file} fixes its names (${same.join(', ')}) instead of reading MYSQL_DATABASE, PGDATABASE and LAKE_BUCKET, so a separate workspace cannot be made.`, how);
  }
}
