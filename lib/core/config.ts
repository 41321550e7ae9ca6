/**
 * Configuration is data: one YAML file per profile under config/, `${VAR:-default}` taken from the
 * environment (so secrets live in the environment or a git-ignored .env, never in the file), then
 * checked key by key so a typo ends in one sentence that names the file, the key and the fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { parseEnv } from 'node:util';
import { OrderHeError, registerSecret, shown } from './errors';
import { checkBucket, checkIdent } from './identifiers';

export const PROFILES = ['local', 'embedded', 'compose', 'aws'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface SourceConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface LakeConfig {
  /** `embedded`: an S3-compatible server started in this process, objects under `dir`. `s3`: any S3 API (MinIO, AWS). */
  kind: 'embedded' | 's3';
  bucket: string;
  /** Folder of the embedded server's objects. */
  dir: string;
  /** S3 endpoint URL for MinIO and other S3-compatible servers; empty for AWS. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Target size of one gzipped part of an extract, in MB (Redshift loads parts in parallel). */
  partSizeMB: number;
  /** gzip level of the parts, 1 (fastest) to 9 (smallest); 6 is the gzip command's default. */
  gzipLevel: number;
}

export interface WarehouseConfig {
  driver: 'postgres' | 'pglite' | 'redshift';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** PGlite's data folder (embedded profile). */
  dir: string;
  /** Redshift only: the IAM role COPY assumes to read the lake. */
  iamRole: string;
}

export interface PipelineConfig {
  orders: number;
  seed: number;
  locale: 'en' | 'ko';
  /** Where generated files, the embedded lake, PGlite and outputs live. */
  dataDir: string;
}

export interface OrderHeConfig {
  profile: string;
  /** The YAML file this came from, for error messages. */
  file: string;
  projectRoot: string;
  source: SourceConfig;
  lake: LakeConfig;
  warehouse: WarehouseConfig;
  pipeline: PipelineConfig;
}

type FieldType = 'string' | 'secret' | 'int' | 'bool' | 'path' | readonly string[];
interface Field { type: FieldType; default?: string | number | boolean; min?: number; max?: number }

// The shape of a profile file. `secret` fields are strings that are also masked in every output.
const SCHEMA: Record<'source' | 'lake' | 'warehouse' | 'pipeline', Record<string, Field>> = {
  source: {
    host: { type: 'string' },
    port: { type: 'int', min: 1, max: 65535 },
    user: { type: 'string' },
    password: { type: 'secret', default: '' },
    database: { type: 'string' },
  },
  lake: {
    kind: { type: ['embedded', 's3'] },
    bucket: { type: 'string' },
    dir: { type: 'string', default: 'lake' },
    endpoint: { type: 'string', default: '' },
    region: { type: 'string', default: 'us-east-1' },
    // An access key id is an identifier (it shows in AWS consoles and logs); the secret key is the secret.
    accessKeyId: { type: 'string', default: '' },
    secretAccessKey: { type: 'secret', default: '' },
    forcePathStyle: { type: 'bool', default: true },
    partSizeMB: { type: 'int', default: 64, min: 1 },
    gzipLevel: { type: 'int', default: 6, min: 1, max: 9 },
  },
  warehouse: {
    driver: { type: ['postgres', 'pglite', 'redshift'] },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'int', default: 5432, min: 1, max: 65535 },
    user: { type: 'string', default: 'postgres' },
    password: { type: 'secret', default: '' },
    database: { type: 'string', default: 'orderhe_dw' },
    dir: { type: 'string', default: 'warehouse' },
    iamRole: { type: 'string', default: '' },
  },
  pipeline: {
    orders: { type: 'int', default: 1000, min: 1 },
    seed: { type: 'int', default: 42, min: 0 },
    locale: { type: ['en', 'ko'], default: 'en' },
    dataDir: { type: 'path', default: 'data' },
  },
};

/** The folder holding config/ and package.json, whether we run from lib/, lib/dist/ or a notebook. */
export function findProjectRoot(start = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'config', 'local.yml')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new OrderHeError('Cannot find the project folder (the one with config/local.yml).', 'Run from inside the Order-He workbook checkout.');
    dir = up;
  }
}

/** `${VAR}` must be set; `${VAR:-default}` falls back when VAR is unset or empty, like the shell. */
export function interpolate(text: string, env: NodeJS.ProcessEnv, file: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new OrderHeError(`${file} needs the environment variable ${name}, which is not set.`, `export ${name}=... (see .env.example), or give it a default as \${${name}:-value}.`);
  });
}

export interface LoadConfigOptions {
  profile?: string;
  /** A custom YAML file instead of config/<profile>.yml. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  projectRoot?: string;
}

/** Config files are a few dozen lines; anything far bigger is a mistake (or an attack on the parser). */
const MAX_CONFIG_BYTES = 64 * 1024;
/** Nodes a config document may hold once parsed: far above any real profile, far below what hurts. */
const MAX_CONFIG_NODES = 10_000;

/**
 * Reads `<projectRoot>/.env` (git-ignored, see .env.example) into `env` for every variable not already set there:
 * the shell wins over .env, and .env over the profile's `${VAR:-default}`. Returns the file read, or undefined.
 */
export function loadDotEnv(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = path.join(projectRoot, '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new OrderHeError(`Cannot read ${file} (${code}).`, 'Make .env a readable file of NAME=value lines (see .env.example), or remove it.');
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) env[name] = value;
  }
  return file;
}

/** Reads, interpolates and validates one profile. Throws OrderHeError with one sentence on any problem. */
export function loadConfig(options: LoadConfigOptions = {}): OrderHeConfig {
  const projectRoot = options.projectRoot ?? findProjectRoot();
  // The process's own environment gets .env underneath it (tests pass their own env and skip it).
  if (!options.env) loadDotEnv(projectRoot);
  const env = options.env ?? process.env;
  const profile = options.profile || env.ORDERHE_PROFILE || 'local';
  let file: string;
  if (options.configFile) {
    file = path.resolve(options.configFile);
  } else {
    if (!(PROFILES as readonly string[]).includes(profile)) {
      throw new OrderHeError(`Unknown profile "${shown(profile)}".`, `Use one of ${PROFILES.join(', ')} (--profile or ORDERHE_PROFILE), or --config FILE for your own.`);
    }
    file = path.join(projectRoot, 'config', `${profile}.yml`);
  }
  const name = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new OrderHeError(`Config file ${name} is a folder, not a YAML file.`, 'Pass a file to --config, e.g. --config config/local.yml.');
    if (stat.size > MAX_CONFIG_BYTES) throw new OrderHeError(`Config file ${name} is ${stat.size.toLocaleString('en-US')} bytes; a profile is a few hundred.`, 'Point --config at a profile file (start from config/local.yml).');
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof OrderHeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OrderHeError(`Config file ${name} does not exist.`, `Check the path, or copy config/local.yml as a starting point.`);
    if (code === 'ENOTDIR') throw new OrderHeError(`Config file ${name} does not exist: part of its path is a file, not a folder.`, 'Check the path given to --config.');
    throw new OrderHeError(`Cannot read config file ${name} (${code ?? (err as Error).message}).`, 'Check that the file exists and that you may read it.');
  }

  let raw: unknown;
  try {
    raw = yaml.load(text, { filename: name });
  } catch (err) {
    const e = err as { mark?: { line: number }; reason?: string; message: string };
    const where = e.mark ? ` at line ${e.mark.line + 1}` : '';
    throw new OrderHeError(`${name} is not valid YAML${where}: ${shown(e.reason ?? e.message)}.`, 'Fix the indentation or quoting on that line.');
  }
  checkPlainDocument(raw, name);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new OrderHeError(`${name} must be a mapping with source, lake, warehouse and pipeline sections.`, 'Start from config/local.yml.');
  }
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!(key in SCHEMA)) throw new OrderHeError(`${name} has an unknown section "${shown(key)}".`, `Sections are ${Object.keys(SCHEMA).join(', ')}.`);
  }
  const out: Record<string, Record<string, unknown>> = {};
  const sources: Record<string, string | undefined> = {};
  for (const [section, fields] of Object.entries(SCHEMA)) {
    const given = doc[section] ?? {};
    if (typeof given !== 'object' || Array.isArray(given)) throw new OrderHeError(`${name}: "${section}" must be a mapping of keys.`, 'See config/local.yml for the shape.');
    out[section] = readSection(section, fields, given as Record<string, unknown>, env, name, projectRoot, sources);
  }
  const config = { profile: options.configFile ? path.basename(file, path.extname(file)) : profile, file, projectRoot, ...out } as unknown as OrderHeConfig;
  // Folders in the lake and warehouse sections are relative to the data folder (absolute paths stay as given).
  config.lake.dir = path.resolve(config.pipeline.dataDir, config.lake.dir);
  config.warehouse.dir = path.resolve(config.pipeline.dataDir, config.warehouse.dir);
  checkNames(config, name, sources);
  return config;
}

/**
 * Names that end up in SQL or in S3 requests are checked here, once, so that every command (the pipeline from any
 * step, doctor, notebooks) refuses the same settings before it touches anything.
 */
function checkNames(config: OrderHeConfig, file: string, sources: Record<string, string | undefined>) {
  const where = (setting: string) => (sources[setting] ? ` (set ${sources[setting]})` : ` (in ${file})`);
  const named = (setting: string, check: () => void) => {
    try {
      check();
    } catch (err) {
      const e = err as OrderHeError;
      throw new OrderHeError(e.message, `${e.fix?.replace(/\.$/, '')}${where(setting)}.`);
    }
  };
  named('source.database', () => checkIdent(config.source.database, 'source.database'));
  named('warehouse.database', () => checkIdent(config.warehouse.database, 'warehouse.database'));
  named('lake.bucket', () => checkBucket(config.lake.bucket));
  if (config.lake.endpoint) {
    named('lake.endpoint', () => {
      let url: URL | undefined;
      try {
        url = new URL(config.lake.endpoint);
      } catch {
        // reported below
      }
      if (!url || !/^https?:$/.test(url.protocol)) {
        throw new OrderHeError(`lake.endpoint is "${shown(config.lake.endpoint)}", which is not an http(s) URL.`, 'Use a URL such as http://127.0.0.1:9000, or leave it empty for AWS S3.');
      }
    });
  }
}

/**
 * A profile is plain data: YAML anchors and aliases (`&a` / `*a`) are refused, because a few lines of nested aliases
 * (a "billion laughs") expand to gigabytes once anything walks them. js-yaml shares one object per alias, so a
 * repeated object is an alias; the walk stops at the first repeat or past MAX_CONFIG_NODES, in microseconds.
 */
function checkPlainDocument(doc: unknown, file: string) {
  const seen = new Set<object>();
  const stack: unknown[] = [doc];
  let nodes = 0;
  while (stack.length) {
    const node = stack.pop();
    if (++nodes > MAX_CONFIG_NODES) throw new OrderHeError(`${file} holds more than ${MAX_CONFIG_NODES.toLocaleString('en-US')} values; a profile holds a few dozen.`, 'Start from config/local.yml.');
    if (node === null || typeof node !== 'object') continue;
    if (seen.has(node)) throw new OrderHeError(`${file} uses YAML aliases (*name), which config files do not allow.`, 'Write each value out in full (start from config/local.yml).');
    seen.add(node);
    stack.push(...(Array.isArray(node) ? node : Object.values(node)));
  }
}

function readSection(section: string, fields: Record<string, Field>, given: Record<string, unknown>, env: NodeJS.ProcessEnv, file: string, root: string, sources: Record<string, string | undefined>) {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!(key in fields)) {
      throw new OrderHeError(`${file}: unknown key ${section}.${shown(key)}.`, `Keys of ${section} are ${Object.keys(fields).join(', ')}.`);
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    const name = `${section}.${key}`;
    let value = given[key];
    if (typeof value === 'string') {
      // Which variable a value came from, so a refusal can say what to change (MYSQL_PORT, not only source.port).
      const variable = /\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(value)?.[1];
      if (variable && env[variable]) sources[name] = variable;
      value = interpolate(value, env, `${file} (${name})`);
    }
    if (value === undefined || value === null || value === '') {
      if (field.default === undefined) {
        if (value === '' && (field.type === 'string' || field.type === 'secret')) { out[key] = ''; continue; }
        throw new OrderHeError(`${file} is missing ${name}.`, `Add "${key}:" under "${section}:" (see config/local.yml).`);
      }
      value = field.default;
    }
    out[key] = coerce(value, field, name, file, root, sources[name]);
  }
  return out;
}

function coerce(value: unknown, field: Field, name: string, file: string, root: string, variable?: string): unknown {
  const { type } = field;
  const setting = variable ? `${variable} (${name})` : name;
  if (Array.isArray(type)) {
    if (typeof value !== 'string' || !type.includes(value)) throw new OrderHeError(`${file}: ${name} is "${shown(value)}", which is not one of ${type.join(', ')}.`, `Set ${setting} to one of ${type.join(', ')}.`);
    return value;
  }
  switch (type) {
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw new OrderHeError(`${file}: ${name} must be a whole number, not "${shown(value)}".`, `Set ${setting} to a number such as ${field.default ?? 1}.`);
      if (field.min !== undefined && n < field.min) throw new OrderHeError(`${file}: ${name} must be at least ${field.min}, not ${n}.`, `Set ${setting} to ${field.min} or more.`);
      if (field.max !== undefined && n > field.max) throw new OrderHeError(`${file}: ${name} must be at most ${field.max}, not ${n}.`, `Set ${setting} to ${field.max} or less${/port$/.test(name) ? ' (ports are 1 to 65535)' : ''}.`);
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new OrderHeError(`${file}: ${name} must be true or false, not "${shown(value)}".`, `Set ${setting} to true or false.`);
    }
    case 'path':
      if (typeof value !== 'string') throw new OrderHeError(`${file}: ${name} must be a folder path.`, `Set ${name} to a path such as ${field.default}.`);
      return path.resolve(root, value);
    default: {
      if (typeof value !== 'string' && typeof value !== 'number') throw new OrderHeError(`${file}: ${name} must be text, not ${Array.isArray(value) ? 'a list' : typeof value}.`, `Set ${name} to a single value.`);
      const s = String(value);
      if (type === 'secret') registerSecret(s);
      return s;
    }
  }
}
