/**
 * Reset: drops this project's source database, what the pipeline made in the warehouse (its adapter says what),
 * the lake objects the pipeline wrote, and the files under the data folder. Nothing else is touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import type { OrderHeConfig } from '../lib/core/config';
import { withSourceServer } from '../lib/source/connection';
import { openLake } from '../lib/lake/connection';
import { warehouseAdapter } from '../lib/warehouse/open';
import { quoteMysqlIdent } from '../lib/core/identifiers';

/** What reset would remove, for the confirmation prompt. */
export function resetPlan(config: OrderHeConfig): string[] {
  const w = config.warehouse;
  return [
    `MySQL database ${config.source.database} on ${config.source.host}:${config.source.port}`,
    warehouseAdapter(w).describeStorage(w),
    config.lake.kind === 'embedded' ? `the embedded lake in ${config.lake.dir}` : `objects under raw/, state/ and _doctor/ in bucket ${config.lake.bucket}`,
    `generated files and outputs in ${config.pipeline.dataDir} (generated/, out/)`,
  ];
}

export async function resetProject(config: OrderHeConfig, log: (s: string) => void = () => {}): Promise<void> {
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
  for (const sub of ['generated', 'out']) fs.rmSync(path.join(config.pipeline.dataDir, sub), { recursive: true, force: true });
  log(`removed ${config.pipeline.dataDir}/generated and /out`);
}
