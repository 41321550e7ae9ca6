// s3rver ships no types; this is the part of its API the lake uses.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  interface S3rverOptions { address?: string; port?: number; directory: string; silent?: boolean; resetOnClose?: boolean; configureBuckets?: { name: string }[] }
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    /** Koa's request handler, which s3rver's listen() attaches to its HTTP server. */
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    close(): Promise<void>;
  }
}
