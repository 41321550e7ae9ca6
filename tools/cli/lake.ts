/**
 * npm run lake -- serve [--port 4568]   keep the embedded S3 server up in the foreground, to browse the lake with any S3 client
 * npm run lake -- runs [--table T]       list the lake's complete runs (those with a manifest)
 */
import { loadConfig } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';
import { SOURCE_TABLES, type SourceTable } from '../../lib/core/tables';
import { main, parseCli, positiveInt } from './common';
// The lake's modules (the AWS SDK, s3rver) load inside serve and runs, once the flags are parsed.

const USAGE = `
npm run lake -- serve [--port 4568] [--profile P]
    Starts the embedded S3 server on 127.0.0.1 (objects under <dataDir>/lake) and keeps it up until Ctrl-C,
    so you can browse the lake with any S3 client. --port 0 picks a free port.
npm run lake -- runs [--table T] [--json] [--profile P]
    Lists the complete runs in the lake: table, kind, rows, parts, gzipped bytes, run id.
`;

const { values, positionals } = parseCli({
  port: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean', default: false },
}, USAGE, undefined, 1)!;

main(async () => {
  const config = loadConfig({ profile: values.profile, configFile: values.config });
  const command = positionals[0];
  if (command === 'serve') return serve(config);
  if (command === 'runs') return runs(config);
  throw new OrderHeError(command ? `"${command}" is not a lake command.` : 'Which lake command?', 'Use "npm run lake -- serve" or "npm run lake -- runs" (--help for options).');
});

async function serve(config: ReturnType<typeof loadConfig>) {
  if (config.lake.kind !== 'embedded') {
    throw new OrderHeError(`The ${config.profile} profile's lake is ${config.lake.endpoint || 'Amazon S3'}, not the embedded server, so there is nothing to serve.`,
      'Use the local or embedded profile (--profile local), or browse that lake with your S3 client directly.');
  }
  const port = positiveInt('--port', values.port, 4568, 65535, 0);
  const { EMBEDDED_CREDENTIALS, s3Client, startEmbeddedLakeServer } = await import('../../lib/lake/connection.js');
  const { HeadBucketCommand, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const server = await startEmbeddedLakeServer(config.lake.dir, port);
  // Create the bucket so a learner's first "ls" shows it, even before the first extract.
  const client = s3Client(config.lake, server.endpoint);
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.lake.bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: config.lake.bucket }));
  }
  client.destroy();
  const { accessKeyId, secretAccessKey } = EMBEDDED_CREDENTIALS;
  process.stdout.write([
    `Lake server listening on ${server.endpoint} (objects under ${config.lake.dir})`,
    `  bucket: ${config.lake.bucket}   access key: ${accessKeyId}   secret: ${secretAccessKey} (fixed; every request must be signed with them, anonymous ones are refused)`,
    `  try:    AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} aws --endpoint-url ${server.endpoint} s3 ls s3://${config.lake.bucket}/raw/ --recursive`,
    '  Ctrl-C stops it.',
  ].join('\n') + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  process.stdout.write('Lake server stopped.\n');
}

async function runs(config: ReturnType<typeof loadConfig>) {
  const table = values.table;
  if (table !== undefined && !(SOURCE_TABLES as readonly string[]).includes(table)) {
    throw new OrderHeError(`--table ${table} is not a source table.`, `Tables are ${SOURCE_TABLES.join(', ')}.`);
  }
  const { openLake } = await import('../../lib/lake/connection.js');
  const { listRuns, readExtractState, readRunRecord } = await import('../../lib/lake/read.js');
  const lake = await openLake(config.lake, { create: false });
  try {
    const state = await readExtractState(lake);
    const found = await listRuns(lake, { table: table as SourceTable | undefined });
    const rows = [];
    for (const run of found) {
      const r = await readRunRecord(lake, run);
      rows.push({ table: run.table, kind: r.kind, rows: r.rows, parts: r.parts.length, bytes: r.bytes, runId: run.runId, loadDate: run.loadDate, lineage: r.lineage });
    }
    if (values.json) {
      process.stdout.write(JSON.stringify({ lineage: state?.lineage ?? null, runs: rows }) + '\n');
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(`No complete runs in s3://${lake.bucket}/raw/ yet. Extract with: npm run pipeline -- --until lake\n`);
      return;
    }
    process.stdout.write(`Lake s3://${lake.bucket} (current lineage ${state?.lineage ?? 'unknown'})\n`);
    const line = (c: string[]) => `${c[0].padEnd(22)}${c[1].padEnd(13)}${c[2].padStart(10)}${c[3].padStart(7)}${c[4].padStart(12)}  ${c[5]}\n`;
    process.stdout.write(line(['table', 'kind', 'rows', 'parts', 'gz bytes', 'run']));
    for (const r of rows) process.stdout.write(line([r.table, r.kind, String(r.rows), String(r.parts), String(r.bytes), `${r.runId}${r.lineage === state?.lineage ? '' : '  (older lineage)'}`]));
  } finally {
    await lake.close();
  }
}
