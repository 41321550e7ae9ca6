/**
 * Notebook 05's exercises: a Redshift COPY written by hand, read back by meaning (quoting, keyword case and option
 * order are the writer's choice), and a manifest check run on the lake's real manifests and on broken ones.
 */
import type { CopyManifest } from '../../lake/format';
import { defineExercise, resultOf, compareIds, attempt, type ExerciseResult } from './check';

export const REDSHIFT_COPY = defineExercise('05.1', {
  title: 'Redshift COPY for customers',
  hints: [
    'Start from the orders statement above: what changes for the customers run is the table, its columns and which manifest Redshift reads.',
    'FROM names the s3:// URL of the customers run\'s manifest.json (bucket, then customersRun.manifestKey); every option after it describes the files (gzipped CSV with a header, \\N for NULL, +00 timestamps) or where they are (the lake\'s region) and who reads them (the role).',
    "COPY staging.customers (<customersColumns, comma-separated>) FROM 's3://<lake.bucket>/<customersRun.manifestKey>' IAM_ROLE '<iamRole>' FORMAT AS CSV GZIP MANIFEST IGNOREHEADER 1 NULL AS '\\N' TIMEFORMAT 'auto' REGION '<ctx.config.lake.region>'",
  ],
});

export const MANIFEST_PROBLEMS = defineExercise('05.2', {
  title: 'A manifest check before the load',
  hints: [
    'Compare each manifest entry with the object the lake holds under that URL: is it there, is it the size the manifest says, is it listed once, will COPY insist on it?',
    'Build a Map from url to bytes out of objects; an entry is wrong when its url is missing from the Map, when meta.content_length differs, when the url was seen before, or when mandatory is not true.',
    'const size = new Map(objects.map((o) => [o.url, o.bytes])); const seen = new Set<string>(); const bad: string[] = []; for (const e of manifest.entries) { if (!size.has(e.url) || size.get(e.url) !== e.meta.content_length || seen.has(e.url) || e.mandatory !== true) bad.push(e.url); seen.add(e.url); } return bad;',
  ],
});

export interface CopyStatement { table: string; columns: string[] | null; from: string; options: Map<string, string | true> }

/** Identifiers as PostgreSQL/Redshift read them: "Quoted" keeps its case, unquoted folds to lower case. */
const ident = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());

/** Parses a COPY ... FROM 's3://...' statement into its parts; throws with a reason when it is no such statement. */
export function parseRedshiftCopy(sql: string): CopyStatement {
  const text = sql.trim().replace(/;\s*$/, '').replace(/--[^\n]*/g, ' ');
  const m = /^copy\s+((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)\s*(?:\(([^)]*)\))?\s*from\s+'([^']*)'\s*([\s\S]*)$/i.exec(text);
  if (!m) throw new Error("it does not read as COPY <table> [(columns)] FROM 's3://…' <options>");
  const table = m[1].split(/\s*\.\s*/).map(ident).join('.');
  const columns = m[2] === undefined ? null : m[2].split(',').map((c) => ident(c.trim())).filter(Boolean);
  const tokens = [...m[4].matchAll(/'((?:[^']|'')*)'|([^\s']+)/g)].map((t) => (t[1] !== undefined ? { quoted: t[1].replace(/''/g, "'") } : { word: t[2].toUpperCase() }));
  const options = new Map<string, string | true>();
  const valued = new Set(['IAM_ROLE', 'REGION', 'NULL', 'TIMEFORMAT', 'DATEFORMAT', 'IGNOREHEADER', 'COMPUPDATE', 'STATUPDATE', 'DELIMITER', 'CREDENTIALS', 'QUOTE', 'MAXERROR', 'ENCODING']);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!('word' in t) || !t.word) throw new Error(`a quoted value '${(t as { quoted: string }).quoted}' without its option name`);
    let word = t.word;
    if (word === 'FORMAT') {
      if (tokens[i + 1] && 'word' in tokens[i + 1] && tokens[i + 1].word === 'AS') i++;
      const f = tokens[++i];
      if (!f || !('word' in f)) throw new Error('FORMAT without a format');
      word = f.word!;
    }
    if (valued.has(word)) {
      if (tokens[i + 1] && 'word' in tokens[i + 1] && tokens[i + 1].word === 'AS') i++;
      const v = tokens[++i];
      if (!v) throw new Error(`${word} without a value`);
      options.set(word, 'quoted' in v ? v.quoted! : v.word!);
    } else {
      options.set(word, true);
    }
  }
  return { table, columns, from: m[3], options };
}

/** Differences between a hand-written COPY and the one that loads this run. */
export function checkRedshiftCopy(sql: string | undefined, want: { table: string; columns: string[]; bucket: string; manifestKey: string; iamRole: string; region: string }): ExerciseResult {
  if (!sql?.trim()) return resultOf(REDSHIFT_COPY, 'no statement yet', ['customersCopy is empty: write the COPY statement as a string']);
  let c: CopyStatement;
  try {
    c = parseRedshiftCopy(sql);
  } catch (err) {
    return resultOf(REDSHIFT_COPY, 'the statement does not parse', [(err as Error).message]);
  }
  const diffs: string[] = [];
  const url = `s3://${want.bucket}/${want.manifestKey}`;
  if (c.table !== want.table) diffs.push(`table: expected ${want.table}, got ${c.table}`);
  if (c.columns === null) diffs.push("no column list: the run's CSV has its own column order, so name the columns (customersColumns)");
  else if (c.columns.join(',') !== want.columns.join(',')) diffs.push(`columns: expected (${want.columns.join(', ')}), got (${c.columns.join(', ')})`);
  if (c.from !== url) diffs.push(c.from.endsWith('.csv.gz') ? `FROM names one part (${c.from}); Redshift must read the run's manifest, ${url}` : `FROM: expected ${url}, got ${c.from}`);
  const expectOption = (name: string, value: string | true, why: string) => {
    const got = c.options.get(name);
    if (got === undefined) diffs.push(`${name} is missing: ${why}`);
    else if (value !== true && String(got).toLowerCase() !== value.toLowerCase()) diffs.push(`${name}: expected '${value}', got '${got}'`);
  };
  const role = c.options.get('CREDENTIALS');
  if (!(typeof role === 'string' && role === `aws_iam_role=${want.iamRole}`)) expectOption('IAM_ROLE', want.iamRole, 'Redshift reads S3 as that role');
  expectOption('CSV', true, 'the parts are CSV');
  expectOption('GZIP', true, 'the parts are gzipped');
  expectOption('MANIFEST', true, 'without it Redshift reads the manifest file as data');
  expectOption('IGNOREHEADER', '1', 'each part starts with a header line');
  expectOption('NULL', '\\N', 'the lake writes NULL as \\N');
  expectOption('TIMEFORMAT', 'auto', 'timestamps carry fractions and +00');
  expectOption('REGION', want.region, "the bucket's region");
  const known = new Set(['IAM_ROLE', 'CREDENTIALS', 'CSV', 'GZIP', 'MANIFEST', 'IGNOREHEADER', 'NULL', 'TIMEFORMAT', 'REGION', 'COMPUPDATE', 'STATUPDATE', 'DATEFORMAT', 'ACCEPTINVCHARS', 'EMPTYASNULL', 'BLANKSASNULL', 'TRUNCATECOLUMNS']);
  for (const name of c.options.keys()) if (!known.has(name)) diffs.push(`option ${name}: not one this load needs (a typo?)`);
  return resultOf(REDSHIFT_COPY, `COPY ${c.table} FROM ${c.from}, ${c.options.size} option(s)`, diffs);
}

export type ManifestProblems = (manifest: CopyManifest, objects: { url: string; bytes: number }[]) => string[];

/** A manifest with four planted faults next to a good entry: a wrong size, a missing part, a part listed twice, a part COPY may skip. */
export function brokenManifest(bucket: string): { manifest: CopyManifest; objects: { url: string; bytes: number }[]; bad: string[] } {
  const url = (n: number) => `s3://${bucket}/raw/orders/load_date=2026-01-01/run=planted/part-0000${n}.csv.gz`;
  const entry = (n: number, bytes: number, mandatory = true) => ({ url: url(n), mandatory, meta: { content_length: bytes, record_count: 10 } }) as CopyManifest['entries'][number];
  return {
    manifest: { entries: [entry(0, 100), entry(1, 120), entry(2, 80), entry(3, 90), entry(3, 90), entry(4, 70, false)] },
    objects: [{ url: url(0), bytes: 100 }, { url: url(1), bytes: 121 }, { url: url(3), bytes: 90 }, { url: url(4), bytes: 70 }],
    bad: [url(1), url(2), url(3), url(4)],
  };
}

export async function checkManifestProblems(fn: ManifestProblems | undefined, real: { manifest: CopyManifest; objects: { url: string; bytes: number }[] }[], bucket: string): Promise<ExerciseResult> {
  if (typeof fn !== 'function') return resultOf(MANIFEST_PROBLEMS, 'no function yet', ['manifestProblems is not a function yet']);
  const diffs: string[] = [];
  let realProblems = 0;
  for (const r of real) {
    const got = await attempt('manifestProblems', () => fn(r.manifest, r.objects));
    if (got.error) { diffs.push(`a real manifest: ${got.error}`); break; }
    const list = Array.isArray(got.value) ? got.value : [];
    realProblems += list.length;
    if (list.length) diffs.push(`a real, sound manifest: your function reports ${list.slice(0, 2).join(', ')}`);
  }
  const planted = brokenManifest(bucket);
  const got = await attempt('manifestProblems', () => fn(planted.manifest, planted.objects));
  let found: string[] = [];
  if (got.error) diffs.push(`the broken manifest: ${got.error}`);
  else {
    found = [...new Set((Array.isArray(got.value) ? got.value : []).map(String))];
    const short = (u: string) => u.replace(/^.*\//, '');
    const why: Record<string, string> = { 'part-00001.csv.gz': 'its object is 121 bytes, the manifest says 120', 'part-00002.csv.gz': 'no such object', 'part-00003.csv.gz': 'listed twice (loaded twice)', 'part-00004.csv.gz': 'mandatory is false, so COPY would skip it silently if missing' };
    for (const u of planted.bad) if (!found.includes(u)) diffs.push(`the broken manifest: ${short(u)} is not reported (${why[short(u)]})`);
    diffs.push(...compareIds(planted.bad.map(short), found.map(short), 'part').filter((d) => d.includes('should not')).map((d) => `the broken manifest: ${d}`));
  }
  return resultOf(MANIFEST_PROBLEMS, `${real.length} real manifest(s): ${realProblems} problem(s) reported; planted faults: ${found.length} of ${planted.bad.length} found`, diffs);
}
