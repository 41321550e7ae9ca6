/**
 * The S3 data lake. In the local and embedded profiles an S3-compatible server (s3rver) starts inside this
 * process on 127.0.0.1 with its objects under <dataDir>/lake; compose points at MinIO, aws at Amazon S3.
 * Everything else talks to `lake.client` with the ordinary AWS SDK, so switching is configuration only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignatureV4 } from '@smithy/signature-v4';
import { S3Client, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import type S3rver from 's3rver';
import type { LakeConfig } from '../core/config';
import { OrderHeError } from '../core/errors';
import { checkBucket } from '../core/identifiers';
import { explainConnectionError } from '../core/connect-errors';
import type { Lake } from '../core/connections';

export type { Lake } from '../core/connections';

// The SDK warns on every process that Node 20 support ends in 2027; the workbook pins an SDK that supports it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The embedded server's fixed credentials: every request must be signed with them (AWS Signature V4, as S3 requires),
 * so that no other process on this machine can read, rewrite or delete lake objects anonymously. They are not a
 * secret from anyone who can read this file; they keep out whoever does not use them on purpose.
 */
export const EMBEDDED_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
type Credentials = typeof EMBEDDED_CREDENTIALS;

export interface EmbeddedLakeServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts s3rver on loopback only. Port 0 picks a free port (what the pipeline does); `npm run lake -- serve` uses 4568.
 * s3rver itself lets anonymous requests through and does not check Signature V4 (only that the access key exists),
 * so every request first passes requireSignedRequest, and s3rver sees only requests signed with `credentials`.
 */
export async function startEmbeddedLakeServer(dir: string, port = 0, credentials: Credentials = EMBEDDED_CREDENTIALS): Promise<EmbeddedLakeServer> {
  fs.mkdirSync(dir, { recursive: true });
  // s3rver (koa, winston and ~150 more modules, ~370 ms) loads only when an embedded server starts, not for MinIO or AWS.
  // (module.exports is the class itself; its .default is Koa's, inherited.)
  const S3rverServer = require('s3rver') as typeof S3rver;
  const server = new S3rverServer({ address: '127.0.0.1', port, directory: dir, silent: true });
  // s3rver's listen() attaches callback() to its HTTP server: wrap that handler, as a proxy in front of it would.
  const s3rverHandler = server.callback.bind(server);
  server.callback = () => {
    const handle = s3rverHandler();
    return (req, res) => {
      requireSignedRequest(req, credentials).then((refusal) => {
        if (refusal) refuse(req, res, refusal);
        else handle(req, res);
      }, (err: Error) => refuse(req, res, { code: 'AccessDenied', message: `The request could not be verified: ${err.message}` }));
    };
  };
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

interface Refusal { code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed'; message: string }

/** hmac/hash in the shape @smithy/signature-v4 asks for, from node:crypto. */
class NodeSha256 {
  private readonly hash: crypto.Hash | crypto.Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? crypto.createHash('sha256')
      : crypto.createHmac('sha256', secret instanceof ArrayBuffer ? new Uint8Array(secret) : (secret as string | NodeJS.ArrayBufferView));
  }
  update(data: string | Uint8Array) { this.hash.update(data); }
  async digest() { return new Uint8Array(this.hash.digest()); }
  reset() {}
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Verifies a request's AWS Signature V4 (the Authorization header) the way S3 does: the access key must be the
 * configured one, x-amz-date within 15 minutes, and the signature recomputed with the secret from the request's
 * method, path, query and signed headers must match. The payload is covered through the signed x-amz-content-sha256
 * header, not re-hashed here. Returns null for a valid signature, otherwise why it is refused.
 * Anonymous requests and presigned URLs (signature in the query string) are refused.
 */
export async function requireSignedRequest(req: IncomingMessage, credentials: Credentials): Promise<Refusal | null> {
  const auth = req.headers.authorization;
  if (!auth) return { code: 'AccessDenied', message: 'Anonymous requests are refused: sign requests with the lake\'s access key (AWS Signature V4).' };
  const m = AUTHORIZATION.exec(auth);
  if (!m) return { code: 'AccessDenied', message: 'Only AWS Signature V4 (AWS4-HMAC-SHA256) in the Authorization header is accepted.' };
  const [, accessKeyId, , region, signedHeaders, signature] = m;
  if (accessKeyId !== credentials.accessKeyId) return { code: 'InvalidAccessKeyId', message: 'The AWS access key id you provided does not exist in our records.' };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!d) return { code: 'AccessDenied', message: 'The signed request has no valid x-amz-date header.' };
  const signedAt = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]));
  if (Math.abs(Date.now() - signedAt.getTime()) > 15 * 60_000) return { code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the server\'s time is too large.' };
  const url = new URL(req.url ?? '/', 'http://lake');
  const names = signedHeaders.split(';');
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? [...([] as string[]).concat(query[k]), v] : v;
  const { SignatureV4: Signer } = require('@smithy/signature-v4') as { SignatureV4: typeof SignatureV4 };
  const signer = new Signer({ credentials, region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers },
    { signingDate: signedAt, signableHeaders: new Set(names), signingRegion: region },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const same = expected.length === signature.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return same ? null : { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' };
}

function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal) {
  req.resume(); // drain an upload's body: the answer does not depend on it
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message></Error>`;
  res.writeHead(403, { 'Content-Type': 'application/xml', 'Content-Length': req.method === 'HEAD' ? 0 : Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
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
