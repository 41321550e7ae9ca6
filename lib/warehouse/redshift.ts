/**
 * The Redshift adapter (the aws profile: Redshift Serverless through `pg`, over TLS).
 *
 * Redshift loads from S3 itself: instead of streaming rows through this process (COPY ... FROM STDIN, which
 * Redshift does not accept), it runs one COPY per lake run that points at the run's manifest.json, and its
 * slices fetch the parts in parallel with the IAM role attached to the workgroup.
 * Where it differs from PostgreSQL, declared in REDSHIFT_CAPABILITIES: TRUNCATE commits the open transaction (so
 * tables are emptied with DELETE), no UNLOGGED tables, memory is sized per WLM queue (no work_mem), COPY targets
 * are analyzed by Redshift itself, the workgroup comes with its database (no CREATE DATABASE), and a read-only
 * transaction is asked for in BEGIN itself (BEGIN READ ONLY), the only place Redshift takes it.
 *
 * Nothing here is assembled from user text: the bucket, the IAM role ARN, the region and the manifest key are
 * each checked against a strict pattern, and table and column names are validated identifiers.
 */
import type { OrderHeConfig, WarehouseConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import { checkBucket, quotePgIdent } from '../core/identifiers';
import { openLake } from '../lake/connection';
import { latestRun, readRunRecord } from '../lake/read';
import { quoteTableName } from './copy-sql';
import type { ManifestCopy, Warehouse, WarehouseAdapter, WarehouseCapabilities } from './adapter';
import { openPgPool, pgPoolWarehouse, withPgClient, type PgPoolLike } from './pg-connection';

export const REDSHIFT_CAPABILITIES: WarehouseCapabilities = {
  lakeLoad: 'copy manifest',
  transactionalTruncate: false,
  unloggedTables: false,
  sortMemory: null,
  analyzeAfterLoad: false,
  createsDatabase: false,
  comments: true,
  runLock: 'session row',
  concurrentSessions: 2,
  // Redshift's COPY reads only; UNLOAD writes to S3, not to the client: the export pages through SELECTs.
  csvExport: 'paged select',
};

export interface RedshiftCopyInput {
  /** `staging.orders` */
  table: string;
  columns: readonly string[];
  bucket: string;
  /** The run's manifest.json key, e.g. raw/orders/load_date=2026-11-24/run=20261124T133501123Z-9f3a/manifest.json */
  manifestKey: string;
  /** arn:aws:iam::123456789012:role/orderhe-redshift-copy (warehouse.iamRole, REDSHIFT_IAM_ROLE) */
  iamRole: string;
  /** The bucket's region (lake.region): Redshift needs it when the bucket is not in the workgroup's region. */
  region: string;
}

const IAM_ROLE = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]{1,512}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// Our own layout (lake-format.ts): no quote, backslash or space can appear in a key we generate.
const MANIFEST_KEY = /^raw\/[a-z_]+\/load_date=\d{4}-\d{2}-\d{2}\/run=[A-Za-z0-9_-]+\/manifest\.json$/;

export function checkIamRole(arn: string): string {
  if (!arn) {
    throw new OrderHeError('warehouse.iamRole is empty, so Redshift has no role to read the lake with.',
      'export REDSHIFT_IAM_ROLE=arn:aws:iam::<account>:role/<role> (a role associated with the workgroup, with config/iam/redshift-copy-role-policy.json attached).');
  }
  if (!IAM_ROLE.test(arn)) {
    throw new OrderHeError(`warehouse.iamRole is "${arn}", which is not an IAM role ARN.`, 'Copy the role ARN from the IAM console: arn:aws:iam::123456789012:role/orderhe-redshift-copy');
  }
  return arn;
}

function checkRegion(region: string): string {
  if (!REGION.test(region)) throw new OrderHeError(`lake.region is "${region}", which is not an AWS region.`, 'Set AWS_REGION to the bucket\'s region, e.g. us-east-1.');
  return region;
}

function checkManifestKey(key: string): string {
  if (!MANIFEST_KEY.test(key)) throw new OrderHeError(`"${key}" is not a run manifest key of this lake.`, 'Pass the manifestKey of a run listed by listRuns().');
  return key;
}

/**
 * The Redshift COPY of one lake run, read through its manifest. The options mirror the lake's CSV dialect:
 * gzipped CSV, one header line, \N for NULL (a quoted "" stays an empty string), timestamps with a +00 offset.
 *
 * No NULL AS option: "The default null_string is '\N'" (Redshift Database Developer Guide, COPY, Data conversion
 * parameters: docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html#copy-null-as), which is
 * the lake's marker. Spelling it out would put a backslash in a string literal, and whether Redshift's literal
 * turns '\N' into the two characters \N or into N (NULLs then loading as text, or failing typed columns such as
 * payments.paid_at) is what its docs leave open. PostgreSQL and PGlite name it (NULL '\N', standard strings), so
 * all three read the same two bytes as NULL. test/redshift.test.ts COPYs NULL paid_at on a real Redshift.
 */
export function redshiftCopySql(input: RedshiftCopyInput): string {
  const cols = input.columns.map((c) => quotePgIdent(c, 'column')).join(', ');
  const url = `s3://${checkBucket(input.bucket)}/${checkManifestKey(input.manifestKey)}`;
  return [
    `COPY ${quoteTableName(input.table)} (${cols})`,
    `FROM '${url}'`,
    `IAM_ROLE '${checkIamRole(input.iamRole)}'`,
    `FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 TIMEFORMAT 'auto'`,
    `REGION '${checkRegion(input.region)}'`,
    // Staging is replaced on every load: computing compression and statistics for it would only cost time.
    `COMPUPDATE OFF STATUPDATE OFF`,
  ].join('\n');
}

/** Redshift's own count of the rows the last COPY in this session loaded (its command tag does not say). */
export const REDSHIFT_LAST_COPY_COUNT_SQL = 'SELECT pg_last_copy_count() AS n';

/**
 * The original project's key issue 2: "AmazonS3: Access Denied" from COPY, because the IAM role attached to
 * Redshift Serverless could not read the bucket. Turns that (and a role Redshift cannot assume) into one
 * sentence with the fix; any other error is returned as it was.
 */
export function redshiftCopyErrorFor(err: unknown, where: { bucket: string; manifestKey: string; iamRole: string }): Error {
  const message = (err as { message?: string })?.message ?? String(err);
  const url = `s3://${where.bucket}/${where.manifestKey}`;
  if (/access denied|status 403|accessdenied|forbidden/i.test(message)) {
    return new OrderHeError(`Redshift could not read ${url}: S3 denied access to the IAM role ${where.iamRole} (the original project's key issue 2).`,
      `Attach config/iam/redshift-copy-role-policy.json (s3:ListBucket and s3:GetObject on bucket ${where.bucket}) to that role, then check with: npm run doctor -- --profile aws`, { cause: err });
  }
  if (/not authorized to (get credentials|assume)|assumerole|is not associated|not attached/i.test(message)) {
    return new OrderHeError(`Redshift cannot use the IAM role ${where.iamRole} to read ${url}.`,
      'Associate the role with the Redshift Serverless namespace (console: Namespace → Security and encryption → Manage IAM roles), give it config/iam/redshift-copy-role-trust.json as trust policy, then run npm run doctor -- --profile aws', { cause: err });
  }
  return err instanceof Error ? err : new Error(message);
}

/**
 * For `npm run doctor`: proves the IAM role can read the lake before any load. With a run in the lake it COPYs that
 * run's manifest with NOLOAD (Redshift fetches and parses every part, loads nothing) into a temporary table of text
 * columns; with an empty lake it lists the raw/ prefix, which needs the same s3:ListBucket. Returns the statements.
 */
export function redshiftAccessProbeSql(input: { bucket: string; iamRole: string; region: string; run?: { manifestKey: string; columns: readonly string[] } }): string[] {
  const auth = `IAM_ROLE '${checkIamRole(input.iamRole)}' REGION '${checkRegion(input.region)}'`;
  const bucket = checkBucket(input.bucket);
  if (input.run) {
    const cols = input.run.columns.map((c) => `${quotePgIdent(c, 'column')} VARCHAR(65535)`).join(', ');
    return [
      `CREATE TEMP TABLE orderhe_copy_probe (${cols})`,
      `COPY orderhe_copy_probe FROM 's3://${bucket}/${checkManifestKey(input.run.manifestKey)}' ${auth} FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 NOLOAD`,
      'DROP TABLE orderhe_copy_probe',
    ];
  }
  return [
    'CREATE TEMP TABLE orderhe_copy_probe (line VARCHAR(65535))',
    // No object has this prefix: Redshift answers "prefix does not exist" when it may list, "Access Denied" when not.
    `COPY orderhe_copy_probe FROM 's3://${bucket}/raw/orderhe-doctor-probe-' ${auth} FORMAT AS CSV NOLOAD`,
    'DROP TABLE orderhe_copy_probe',
  ];
}

/** Runs the probe on a Redshift connection: resolves with what it proved, or throws key issue 2 with its fix. */
export async function probeRedshiftLakeAccess(db: { exec(sql: string): Promise<void> }, input: Parameters<typeof redshiftAccessProbeSql>[0]): Promise<string> {
  const [create, copy, drop] = redshiftAccessProbeSql(input);
  await db.exec(create);
  const where = { bucket: input.bucket, manifestKey: input.run?.manifestKey ?? 'raw/', iamRole: input.iamRole };
  try {
    await db.exec(copy);
    return `IAM role ${input.iamRole} can read ${input.run ? `s3://${input.bucket}/${input.run.manifestKey} and its parts` : `s3://${input.bucket}/raw/`}`;
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (!input.run && /prefix .* does not exist|does not exist/i.test(message) && !/access denied/i.test(message)) {
      return `IAM role ${input.iamRole} can list s3://${input.bucket}/raw/ (the lake holds no run yet to test reading)`;
    }
    throw redshiftCopyErrorFor(err, where);
  } finally {
    await db.exec(drop).catch(() => {});
  }
}

/**
 * Loads one lake run into its staging table with COPY ... MANIFEST and returns the rows Redshift says it loaded.
 * An S3 access error becomes the original project's key issue 2 with its fix.
 */
export async function copyRunWithManifest(tx: Pick<Warehouse, 'exec' | 'query'>, run: ManifestCopy, iamRole: string): Promise<number> {
  try {
    await tx.exec(redshiftCopySql({ ...run, iamRole }));
  } catch (err) {
    throw redshiftCopyErrorFor(err, { bucket: run.bucket, manifestKey: run.manifestKey, iamRole });
  }
  const [row] = await tx.query<{ n: string | number }>(REDSHIFT_LAST_COPY_COUNT_SQL);
  return Number(row.n);
}

const TLS = { tls: true };

/**
 * A Redshift Warehouse over a pg pool (openRedshift's, or any object with pg.Pool's query/connect/end).
 * `iamRole` is the role its COPYs read the lake with (warehouse.iamRole).
 */
export function redshiftWarehouse(pool: PgPoolLike, where: string, iamRole: string): Warehouse {
  return pgPoolWarehouse(pool, {
    driver: 'redshift', capabilities: REDSHIFT_CAPABILITIES, where,
    loads: (db, self) => ({
      copyCsvFromStream: async () => {
        throw new OrderHeError('Redshift does not take COPY FROM STDIN.', 'Load Redshift from the lake with its COPY ... MANIFEST: copyRunFromManifest (capabilities.lakeLoad is "copy manifest").');
      },
      copyRunFromManifest: (run) => copyRunWithManifest(self, run, iamRole),
      copyCsvToStream: async () => {
        throw new OrderHeError('Redshift has no COPY TO STDOUT.', 'Read the rows with SELECT pages (capabilities.csvExport is "paged select").');
      },
    }),
  });
}

/** Opens a pool on the workgroup's database over TLS. The database comes with the workgroup: nothing is created. */
export async function openRedshift(cfg: WarehouseConfig): Promise<Warehouse> {
  const pool = await openPgPool(cfg, TLS);
  return redshiftWarehouse(pool, `${cfg.host}:${cfg.port}/${cfg.database}`, cfg.iamRole);
}

/** Doctor: the workgroup answers on its database, and a role to read the lake with is configured. */
export async function checkRedshift(cfg: WarehouseConfig): Promise<string> {
  return withPgClient(cfg, { database: cfg.database, ...TLS }, async (client) => {
    const version = (await client.query('SELECT version() AS v')).rows[0].v as string;
    checkIamRole(cfg.iamRole);
    return `${cfg.host}:${cfg.port} as ${cfg.user}, ${version.split(' on ')[0]}, database ${cfg.database} exists`;
  });
}

/**
 * Key issue 2 of the original project: Redshift's COPY fails with "Access Denied" when the IAM role attached to
 * the workgroup may not read the bucket. Redshift itself reads the lake's newest orders run through the role
 * (COPY ... NOLOAD: nothing is loaded), so a missing s3:GetObject or s3:ListBucket shows up here, not mid-pipeline.
 */
export async function checkRedshiftLakeAccess(config: OrderHeConfig): Promise<string> {
  const w = config.warehouse;
  const lake = await openLake(config.lake, { create: false });
  let run: { manifestKey: string; columns: string[] } | undefined;
  try {
    const latest = await latestRun(lake, 'orders');
    if (latest) {
      const record = await readRunRecord(lake, latest);
      run = { manifestKey: latest.manifestKey, columns: record.columns.map((c) => c.name) };
    }
  } finally {
    await lake.close();
  }
  return withPgClient(w, { database: w.database, ...TLS }, (client) =>
    probeRedshiftLakeAccess({ exec: async (sql) => { await client.query(sql); } }, { bucket: config.lake.bucket, iamRole: w.iamRole, region: config.lake.region, run }));
}

export const redshiftAdapter: WarehouseAdapter = {
  driver: 'redshift',
  capabilities: REDSHIFT_CAPABILITIES,
  open: (cfg) => openRedshift(cfg),
  check: checkRedshift,
  // Without a role, checkRedshift has already said what to set; probing would repeat it.
  extraChecks: (config) => (config.warehouse.iamRole ? [{ part: 'Redshift COPY', run: () => checkRedshiftLakeAccess(config) }] : []),
  // The workgroup and its database are not ours: only the three schemas the pipeline made are.
  describeStorage: (cfg) => `schemas staging, core, mart in Redshift database ${cfg.database}`,
  async drop(cfg, log) {
    await withPgClient(cfg, { database: cfg.database, ...TLS }, async (client) => {
      for (const schema of ['mart', 'core', 'staging']) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
    log(`dropped schemas mart, core, staging in ${cfg.database}`);
  },
};
