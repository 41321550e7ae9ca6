/**
 * The S3 data lake. In the local and embedded profiles an S3-compatible server (s3rver) starts inside this
 * process on 127.0.0.1 with its objects under <dataDir>/lake; compose points at MinIO, aws at Amazon S3.
 * Everything else talks to `lake.client` with the ordinary AWS SDK, so switching is configuration only.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { S3Client, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { LakeConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import { checkBucket } from '../core/identifiers';
import { explainConnectionError } from '../core/connect-errors';
import type { Lake } from '../core/connections';

export type { Lake } from '../core/connections';

// The SDK warns on every process that Node 20 support ends in 2027; the workbook pins an SDK that supports it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The embedded server's fixed credentials: it accepts only these (they protect nothing; it listens on loopback). */
export const EMBEDDED_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface EmbeddedLakeServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Starts s3rver on loopback only. Port 0 picks a free port (what the pipeline does); `npm run lake -- serve` uses 4568. */
export async function startEmbeddedLakeServer(dir: string, port = 0): Promise<EmbeddedLakeServer> {
  fs.mkdirSync(dir, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory: dir, silent: true });
  let address: AddressInfo;
  try {
    address = (await server.run()) as AddressInfo;
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'EADDRINUSE') throw new OrderHeError(`Port ${port} on 127.0.0.1 is already in use, so the lake server cannot start.`, 'Stop the other "npm run lake -- serve", or pass --port with a free port.');
    throw err;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  return { endpoint, port: address.port, close: () => server.close() };
}

export function s3Client(cfg: LakeConfig, endpoint?: string): S3Client {
  const embedded = cfg.kind === 'embedded';
  const credentials = embedded ? EMBEDDED_CREDENTIALS
    : cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey }
    : undefined; // undefined: the SDK's default chain (AWS_PROFILE, SSO, instance role)
  return new S3Client({
    region: cfg.region,
    endpoint: endpoint || cfg.endpoint || undefined,
    forcePathStyle: embedded || cfg.forcePathStyle,
    credentials,
    maxAttempts: 3,
    // Measured (test/lake-server.test.ts): with the SDK's default WHEN_SUPPORTED, a PutObject of a stream is sent
    // aws-chunked with a trailing CRC32, and s3rver stores the chunk framing as the object's bytes. Buffered bodies
    // (what lib-storage's Upload sends, multipart or not) are fine either way. For the embedded server, checksums are
    // computed only when an operation requires them; MinIO and AWS keep the SDK's defaults.
    ...(embedded ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
  });
}

/** Opens the lake (starting the embedded server when the profile says so) and makes sure the bucket exists. */
export async function openLake(cfg: LakeConfig, options: { create?: boolean } = {}): Promise<Lake> {
  const bucket = checkBucket(cfg.bucket);
  const server = cfg.kind === 'embedded' ? await startEmbeddedLakeServer(cfg.dir) : undefined;
  const client = s3Client(cfg, server?.endpoint);
  const endpoint = server?.endpoint ?? (cfg.endpoint || `AWS S3 (${cfg.region})`);
  const close = async () => {
    client.destroy();
    await server?.close();
  };
  try {
    await ensureBucket(client, bucket, endpoint, options.create ?? false);
  } catch (err) {
    await close();
    throw err;
  }
  return { client, bucket, endpoint, close };
}

export function lakeErrorFor(endpoint: string, bucket: string, err: unknown): Error {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch' || status === 403) {
    // A HEAD request has no error body, so the SDK can only say "Unknown" or "Forbidden": show the status instead.
    const reason = e.name && e.name !== 'Unknown' ? e.name : `HTTP ${status ?? 403}`;
    return new OrderHeError(`The lake at ${endpoint} denied access to bucket "${bucket}" (${reason}).`,
      'Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and that the IAM policy in config/iam/pipeline-user-policy.json is attached to that user.', { cause: err });
  }
  return explainConnectionError('lake', endpoint, (err as { cause?: unknown })?.cause ?? err, {
    start: 'Start the S3 server (compose: "docker compose up -d minio"), or check S3_ENDPOINT.',
  }) ?? (err as Error);
}

async function ensureBucket(client: S3Client, bucket: string, endpoint: string, create: boolean) {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    const missing = e.name === 'NotFound' || e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 404;
    if (!missing) throw lakeErrorFor(endpoint, bucket, err);
    if (!create) throw new OrderHeError(`The lake bucket "${bucket}" does not exist yet at ${endpoint}.`, 'Run the pipeline up to the lake: npm run pipeline -- --until lake');
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const e = err as { name?: string };
    if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw lakeErrorFor(endpoint, bucket, err);
  }
}
