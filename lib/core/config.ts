/**
 * Configuration is data: one YAML file per profile under config/, `${VAR:-default}` taken from the
 * environment (so secrets live in the environment or a git-ignored .env, never in the file), then
 * checked key by key so a typo ends in one sentence that names the file, the key and the fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { OrderHeError, registerSecret } from './errors';

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
    port: { type: 'int', min: 1 },
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
    port: { type: 'int', default: 5432, min: 1 },
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

/** Reads, interpolates and validates one profile. Throws OrderHeError with one sentence on any problem. */
export function loadConfig(options: LoadConfigOptions = {}): OrderHeConfig {
  const env = options.env ?? process.env;
  const projectRoot = options.projectRoot ?? findProjectRoot();
  const profile = options.profile || env.ORDERHE_PROFILE || 'local';
  let file: string;
  if (options.configFile) {
    file = path.resolve(options.configFile);
  } else {
    if (!(PROFILES as readonly string[]).includes(profile)) {
      throw new OrderHeError(`Unknown profile "${profile}".`, `Use one of ${PROFILES.join(', ')} (--profile or ORDERHE_PROFILE), or --config FILE for your own.`);
    }
    file = path.join(projectRoot, 'config', `${profile}.yml`);
  }
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) throw new OrderHeError(`Config file ${shown} does not exist.`, `Check the path, or copy config/local.yml as a starting point.`);

  let raw: unknown;
  try {
    raw = yaml.load(fs.readFileSync(file, 'utf8'), { filename: shown });
  } catch (err) {
    const e = err as { mark?: { line: number }; reason?: string; message: string };
    const where = e.mark ? ` at line ${e.mark.line + 1}` : '';
    throw new OrderHeError(`${shown} is not valid YAML${where}: ${e.reason ?? e.message}.`, 'Fix the indentation or quoting on that line.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new OrderHeError(`${shown} must be a mapping with source, lake, warehouse and pipeline sections.`, 'Start from config/local.yml.');
  }
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!(key in SCHEMA)) throw new OrderHeError(`${shown} has an unknown section "${key}".`, `Sections are ${Object.keys(SCHEMA).join(', ')}.`);
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(SCHEMA)) {
    const given = doc[section] ?? {};
    if (typeof given !== 'object' || Array.isArray(given)) throw new OrderHeError(`${shown}: "${section}" must be a mapping of keys.`, 'See config/local.yml for the shape.');
    out[section] = readSection(section, fields, given as Record<string, unknown>, env, shown, projectRoot);
  }
  const config = { profile: options.configFile ? path.basename(file, path.extname(file)) : profile, file, projectRoot, ...out } as unknown as OrderHeConfig;
  // Folders in the lake and warehouse sections are relative to the data folder (absolute paths stay as given).
  config.lake.dir = path.resolve(config.pipeline.dataDir, config.lake.dir);
  config.warehouse.dir = path.resolve(config.pipeline.dataDir, config.warehouse.dir);
  return config;
}

function readSection(section: string, fields: Record<string, Field>, given: Record<string, unknown>, env: NodeJS.ProcessEnv, file: string, root: string) {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!(key in fields)) {
      throw new OrderHeError(`${file}: unknown key ${section}.${key}.`, `Keys of ${section} are ${Object.keys(fields).join(', ')}.`);
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    const name = `${section}.${key}`;
    let value = given[key];
    if (typeof value === 'string') value = interpolate(value, env, `${file} (${name})`);
    if (value === undefined || value === null || value === '') {
      if (field.default === undefined) {
        if (value === '' && (field.type === 'string' || field.type === 'secret')) { out[key] = ''; continue; }
        throw new OrderHeError(`${file} is missing ${name}.`, `Add "${key}:" under "${section}:" (see config/local.yml).`);
      }
      value = field.default;
    }
    out[key] = coerce(value, field, name, file, root);
  }
  return out;
}

function coerce(value: unknown, field: Field, name: string, file: string, root: string): unknown {
  const { type } = field;
  if (Array.isArray(type)) {
    if (typeof value !== 'string' || !type.includes(value)) throw new OrderHeError(`${file}: ${name} is "${String(value)}", which is not one of ${type.join(', ')}.`, `Set ${name} to one of ${type.join(', ')}.`);
    return value;
  }
  switch (type) {
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw new OrderHeError(`${file}: ${name} must be a whole number, not "${String(value)}".`, `Set ${name} to a number such as ${field.default ?? 1}.`);
      if (field.min !== undefined && n < field.min) throw new OrderHeError(`${file}: ${name} must be at least ${field.min}, not ${n}.`, `Set ${name} to ${field.min} or more.`);
      if (field.max !== undefined && n > field.max) throw new OrderHeError(`${file}: ${name} must be at most ${field.max}, not ${n}.`, `Set ${name} to ${field.max} or less.`);
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new OrderHeError(`${file}: ${name} must be true or false, not "${String(value)}".`, `Set ${name} to true or false.`);
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
