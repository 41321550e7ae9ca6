/**
 * Redshift's COPY ... MANIFEST, generated from a lake run: the SQL exactly, the refusal of anything that could
 * smuggle SQL in, the original project's "Access Denied" turned into its fix, and the least-privilege IAM policies.
 * The integration test runs only with real AWS settings (the aws profile's variables) and says it skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers';
import { OrderHeError } from '../lib/errors';
import { loadConfig } from '../lib/config';
import { openPipeline } from '../lib/context';
import { redshiftCopySql, redshiftCopyErrorFor, checkIamRole } from '../lib/warehouse/redshift';
import { loadLakeIntoStaging, stagingCounts } from '../lib/warehouse/load';

const input = {
  table: 'staging.orders',
  columns: ['order_id', 'customer_id', 'status'],
  bucket: 'orderhe-lake',
  manifestKey: 'raw/orders/load_date=2026-11-24/run=20261124T133501123Z-9f3a/manifest.json',
  iamRole: 'arn:aws:iam::123456789012:role/orderhe-redshift-copy',
  region: 'eu-west-1',
};

test('the Redshift COPY for a run reads its manifest with the IAM role, in the lake\'s CSV dialect', () => {
  assert.equal(redshiftCopySql(input), [
    'COPY "staging"."orders" ("order_id", "customer_id", "status")',
    "FROM 's3://orderhe-lake/raw/orders/load_date=2026-11-24/run=20261124T133501123Z-9f3a/manifest.json'",
    "IAM_ROLE 'arn:aws:iam::123456789012:role/orderhe-redshift-copy'",
    "FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 NULL AS '\\N' TIMEFORMAT 'auto'",
    "REGION 'eu-west-1'",
    'COMPUPDATE OFF STATUPDATE OFF',
  ].join('\n'));
});

test('nothing that could close a quote reaches the COPY: role, region, key, bucket and names are checked', () => {
  const bad: Partial<typeof input>[] = [
    { iamRole: "arn:aws:iam::123456789012:role/x' CREDENTIALS 'y" },
    { iamRole: '' },
    { region: "eu-west-1' --" },
    { manifestKey: "raw/orders/load_date=2026-11-24/run=x'/manifest.json" },
    { manifestKey: 'state/extract.json' },
    { bucket: "orderhe-lake'" },
    { columns: ['order_id"; DROP TABLE x; --'] },
    { table: 'staging.orders;x' },
    { table: 'staging.orders.x' },
  ];
  for (const b of bad) assert.throws(() => redshiftCopySql({ ...input, ...b }), OrderHeError, JSON.stringify(b));
  assert.match(redshiftCopySql({ ...input, iamRole: 'arn:aws-cn:iam::123456789012:role/service-role/copy' }), /IAM_ROLE 'arn:aws-cn:iam::123456789012:role\/service-role\/copy'/);
});

test('an empty IAM role is one sentence saying which variable to set', () => {
  assert.throws(() => checkIamRole(''), (err: unknown) => err instanceof OrderHeError && /REDSHIFT_IAM_ROLE/.test(err.fix ?? ''));
});

test('Redshift\'s "Access Denied" on COPY becomes the original project\'s key issue 2, with the policy file to attach', () => {
  const where = { bucket: input.bucket, manifestKey: input.manifestKey, iamRole: input.iamRole };
  const raw = Object.assign(new Error("S3ServiceException:Access Denied,Status 403,Error AccessDenied,Rid 1A2B,ExtRid x,CanRetry 1\nDetails: error: S3ServiceException:Access Denied"), { code: 'XX000' });
  const err = redshiftCopyErrorFor(raw, where);
  assert.ok(err instanceof OrderHeError);
  assert.match(err.message, /could not read s3:\/\/orderhe-lake\/raw\/orders\/.*manifest\.json: S3 denied access to the IAM role arn:aws:iam::123456789012:role\/orderhe-redshift-copy \(the original project's key issue 2\)/);
  assert.match(err.fix ?? '', /config\/iam\/redshift-copy-role-policy\.json/);
  assert.match(err.fix ?? '', /npm run doctor/);
  const assume = redshiftCopyErrorFor(new Error('User arn:aws:redshift:... is not authorized to assume IAM Role arn:aws:iam::123456789012:role/x'), where);
  assert.match(assume.message, /cannot use the IAM role/);
  const other = new Error('column "x" does not exist');
  assert.equal(redshiftCopyErrorFor(other, where), other, 'other errors pass through unchanged');
});

test('the IAM policies grant only what the pipeline and Redshift COPY need, on the lake bucket only', () => {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'config/iam', f), 'utf8')) as { Statement: { Effect: string; Action: string | string[]; Resource?: string | string[] }[] };
  const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);
  const copy = read('redshift-copy-role-policy.json');
  const copyActions = copy.Statement.flatMap((s) => list(s.Action)).sort();
  assert.deepEqual(copyActions, ['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
  const user = read('pipeline-user-policy.json');
  for (const s of [...copy.Statement, ...user.Statement]) {
    assert.equal(s.Effect, 'Allow');
    for (const a of list(s.Action)) assert.ok(a.startsWith('s3:') && !a.includes('*'), `no wildcard action: ${a}`);
    for (const r of list(s.Resource)) assert.match(r, /^arn:aws:s3:::orderhe-lake(\/(raw|state|_doctor)\/\*)?$/);
  }
  const trust = read('redshift-copy-role-trust.json');
  assert.deepEqual(list(trust.Statement[0].Action), ['sts:AssumeRole']);
});

test('on a real Redshift with a real lake, the load COPYs each run through its manifest (only with AWS settings)', async (t) => {
  const needed = ['PGHOST', 'PGPASSWORD', 'REDSHIFT_IAM_ROLE', 'LAKE_BUCKET', 'MYSQL_HOST', 'MYSQL_PASSWORD'];
  const missing = needed.filter((v) => !process.env[v]);
  if (process.env.ORDERHE_PROFILE !== 'aws' || missing.length > 0) {
    t.skip(`needs ORDERHE_PROFILE=aws and ${missing.length ? missing.join(', ') : 'the aws profile'} set: no real AWS here`);
    return;
  }
  // Loads the lake's pending runs of the configured (real) bucket into the workgroup's staging, then checks the counts.
  const ctx = openPipeline({ config: loadConfig({ profile: 'aws', projectRoot: ROOT }) });
  try {
    await loadLakeIntoStaging(ctx);
    for (const c of await stagingCounts(await ctx.warehouse())) assert.equal(c.staged, c.manifest, `${c.table}: staging equals the manifests`);
  } finally {
    await ctx.close();
  }
});
