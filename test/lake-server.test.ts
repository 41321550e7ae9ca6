/**
 * The embedded lake server (s3rver) against the current @aws-sdk/client-s3 with its DEFAULT checksum
 * settings: the calls the extract, the load and a learner's S3 client make must all work.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { EMBEDDED_CREDENTIALS, s3Client, startEmbeddedLakeServer } from '../lib/lake/connection';
import { loadConfig } from '../lib/core/config';
import { ROOT } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-lake-server-'));
const config = loadConfig({ profile: 'local', env: { ...process.env, ORDERHE_DATA_DIR: dir, LAKE_BUCKET: 'orderhe-t-server' }, projectRoot: ROOT });
const bucket = config.lake.bucket;

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the SDK with default checksums does multipart upload, list, head, ranged get and delete on the embedded server', async () => {
  const server = await startEmbeddedLakeServer(config.lake.dir);
  // A client with nothing but the SDK's defaults (requestChecksumCalculation/responseChecksumValidation WHEN_SUPPORTED).
  const client = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: EMBEDDED_CREDENTIALS });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    // 12 MB of random bytes, streamed: lib-storage sends three multipart chunks of 5, 5 and 2 MB.
    const data = crypto.randomBytes(12 * 1024 * 1024);
    const upload = new Upload({ client, params: { Bucket: bucket, Key: 'raw/test/big.bin', Body: Readable.from(chunks(data, 64 * 1024)) }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    let partsSeen = 0;
    upload.on('httpUploadProgress', (p) => { if (p.part) partsSeen = Math.max(partsSeen, p.part); });
    await upload.done();
    assert.equal(partsSeen, 3, 'the upload went multipart');

    // A small object goes through PutObject (with the SDK's default request checksum).
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'raw/test/small.json', Body: '{"ok":true}\n' }));

    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'raw/test/' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key).sort(), ['raw/test/big.bin', 'raw/test/small.json']);

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'raw/test/big.bin' }));
    assert.equal(head.ContentLength, data.length);

    const whole = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw/test/big.bin' }));
    const stored = Buffer.from(await whole.Body!.transformToByteArray());
    assert.equal(sha(stored), sha(data), 'the multipart object reads back byte for byte');

    const ranged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw/test/big.bin', Range: 'bytes=5242870-5242889' }));
    assert.deepEqual(Buffer.from(await ranged.Body!.transformToByteArray()), data.subarray(5242870, 5242890));

    const small = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw/test/small.json' }));
    assert.equal(await small.Body!.transformToString(), '{"ok":true}\n');

    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'raw/test/big.bin' }));
    const after = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'raw/test/' }));
    assert.deepEqual(after.Contents?.map((o) => o.Key), ['raw/test/small.json']);
  } finally {
    client.destroy();
    await server.close();
  }
});

test('a streamed PutObject reads back exactly through the lake client, which is why s3Client sets WHEN_REQUIRED for s3rver', async () => {
  const server = await startEmbeddedLakeServer(config.lake.dir);
  const defaults = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: EMBEDDED_CREDENTIALS });
  const lake = s3Client(config.lake, server.endpoint);
  const body = () => Readable.from([Buffer.from('hello '), Buffer.from('lake')]);
  try {
    await lake.send(new CreateBucketCommand({ Bucket: 'orderhe-t-stream' }));
    await lake.send(new PutObjectCommand({ Bucket: 'orderhe-t-stream', Key: 'ours', Body: body(), ContentLength: 10 }));
    const ours = await lake.send(new GetObjectCommand({ Bucket: 'orderhe-t-stream', Key: 'ours' }));
    assert.equal(await ours.Body!.transformToString(), 'hello lake');

    // With the defaults the SDK sends the stream aws-chunked with a CRC32 trailer, and s3rver keeps the framing.
    // If this ever reads back clean, the override in lib/lake/connection.ts s3Client() is no longer needed.
    await defaults.send(new PutObjectCommand({ Bucket: 'orderhe-t-stream', Key: 'default', Body: body(), ContentLength: 10 }));
    const theirs = await defaults.send(new GetObjectCommand({ Bucket: 'orderhe-t-stream', Key: 'default' }));
    assert.match(await theirs.Body!.transformToString(), /x-amz-checksum-crc32/);
  } finally {
    lake.destroy();
    defaults.destroy();
    await server.close();
  }
});

test('npm run lake -- serve keeps the server up until it is stopped, and an S3 client can use it meanwhile', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/lake.ts'), 'serve', '--port', '0'], {
    cwd: ROOT, env: { ...process.env, ORDERHE_PROFILE: 'local', ORDERHE_DATA_DIR: dir, LAKE_BUCKET: 'orderhe-t-serve' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      const check = setInterval(() => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) { clearInterval(check); resolve(m[1]); }
      }, 100);
      exited.then((code) => { clearInterval(check); reject(new Error(`serve exited (${code}): ${err}`)); });
    });
    const client = s3Client({ ...config.lake }, endpoint);
    try {
      await client.send(new PutObjectCommand({ Bucket: 'orderhe-t-serve', Key: 'hello.txt', Body: 'hi' }));
      const got = await client.send(new GetObjectCommand({ Bucket: 'orderhe-t-serve', Key: 'hello.txt' }));
      assert.equal(await got.Body!.transformToString(), 'hi');
    } finally {
      client.destroy();
    }
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.match(out, /Lake server stopped/);
});

function* chunks(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

function sha(b: Buffer) {
  return crypto.createHash('sha256').update(b).digest('hex');
}
