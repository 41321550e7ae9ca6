/**
 * The embedded lake requires signed requests, as S3 does: anonymous GET, PUT, DELETE and listing are refused with
 * 403 and change nothing, so are requests signed with a wrong secret or an unknown key; the SDK signing with the
 * configured keys, and the pipeline, work.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EMBEDDED_CREDENTIALS, startEmbeddedLakeServer } from '../lib/lake/connection';
import { runCli, testEnv } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-lake-auth-'));
const t = testEnv('lake_auth');
after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.cleanup();
});

const client = (endpoint: string, credentials = EMBEDDED_CREDENTIALS) => new S3Client({
  region: 'us-east-1', endpoint, forcePathStyle: true, credentials, maxAttempts: 1,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});

async function read(s3: S3Client, key: string) {
  return (await s3.send(new GetObjectCommand({ Bucket: 'auth-test', Key: key }))).Body!.transformToString();
}

test('anonymous GET, PUT, DELETE and listing against the running embedded lake are refused with 403 and change nothing', async () => {
  const server = await startEmbeddedLakeServer(path.join(dir, 'anonymous'));
  const s3 = client(server.endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'auth-test' }));
    await s3.send(new PutObjectCommand({ Bucket: 'auth-test', Key: 'raw/orders/part-00000.csv.gz', Body: 'the real bytes' }));
    const url = `${server.endpoint}/auth-test/raw/orders/part-00000.csv.gz`;
    for (const [method, body] of [['GET', undefined], ['HEAD', undefined], ['PUT', 'rewritten'], ['DELETE', undefined]] as const) {
      const res = await fetch(url, { method, body });
      assert.equal(res.status, 403, `anonymous ${method}`);
      if (method !== 'HEAD') assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
    }
    const list = await fetch(`${server.endpoint}/auth-test?list-type=2`);
    assert.equal(list.status, 403, 'anonymous listing');
    // A bucket created anonymously would be just as bad.
    assert.equal((await fetch(`${server.endpoint}/anonymous-bucket`, { method: 'PUT' })).status, 403);
    assert.equal(await read(s3, 'raw/orders/part-00000.csv.gz'), 'the real bytes', 'the object is unchanged');
  } finally {
    s3.destroy();
    await server.close();
  }
});

test('a request signed with a wrong secret or an unknown access key is refused; the configured keys work', async () => {
  const server = await startEmbeddedLakeServer(path.join(dir, 'signed'));
  const good = client(server.endpoint);
  const wrongSecret = client(server.endpoint, { ...EMBEDDED_CREDENTIALS, secretAccessKey: 'not-the-secret' });
  const unknownKey = client(server.endpoint, { accessKeyId: 'SOMEONE', secretAccessKey: EMBEDDED_CREDENTIALS.secretAccessKey });
  try {
    await good.send(new CreateBucketCommand({ Bucket: 'auth-test' }));
    await good.send(new PutObjectCommand({ Bucket: 'auth-test', Key: 'signed.txt', Body: 'signed' }));
    await assert.rejects(wrongSecret.send(new PutObjectCommand({ Bucket: 'auth-test', Key: 'signed.txt', Body: 'forged' })), { name: 'SignatureDoesNotMatch' });
    await assert.rejects(wrongSecret.send(new GetObjectCommand({ Bucket: 'auth-test', Key: 'signed.txt' })), { name: 'SignatureDoesNotMatch' });
    await assert.rejects(unknownKey.send(new GetObjectCommand({ Bucket: 'auth-test', Key: 'signed.txt' })), { name: 'InvalidAccessKeyId' });
    assert.equal(await read(good, 'signed.txt'), 'signed');
  } finally {
    for (const c of [good, wrongSecret, unknownKey]) c.destroy();
    await server.close();
  }
});

test('the pipeline signs its requests, so it still extracts into the embedded lake', { timeout: 120_000 }, () => {
  const r = runCli(t, 'pipeline.ts', ['--orders', '300', '--seed', '7', '--until', 'lake', '--json']);
  assert.equal(r.code, 0, r.all);
  const summary = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.ok(summary.steps.find((s: { step: string }) => s.step === 'lake').rows > 300);
});
