/**
 * The models as declared (dbt's idea): beside every staging, core and mart SQL file sits NAME.yml with the
 * model's description, its grain, the tables it reads (`depends_on`), each column's description and the
 * data tests. This module reads and validates those files; the test runner, the build order, the lineage,
 * the warehouse comments and the catalog all read the result, so nobody scans SQL text for any of it.
 *
 * A file (sql/warehouse/core/04_fct_orders.yml → model core.fct_orders; the folder names the schema, the file
 * name without its numeric prefix the table):
 *
 *   description: One row per order ...
 *   grain: order_id
 *   depends_on: [staging.orders, core.dim_customer]
 *   columns:
 *     - name: order_id
 *       # no description: a column carried unchanged from its source table keeps lib/core/tables.ts's
 *       data_tests: [unique, not_null]
 *     - name: status
 *       description: ...
 *       data_tests:
 *         - accepted_values: { registry: orders.status }     # the list lives once, in lib/core/tables.ts
 *         - relationships: { to: core.dim_customer, field: customer_key }
 *   data_tests:
 *     - unique_combination: [order_id]
 *     - current_version: { key: customer_id, flag: is_current }
 *     - reconciliation: staging_vs_core                      # a TypeScript reconciliation, run because declared
 *     - reconcile:                                           # this model's measure equals another model's
 *         name: revenue = core order revenue
 *         measure: { sum: revenue }
 *         equals: { model: core.fct_orders, sum: revenue_amount, where: { is_sale: true } }
 *
 * Every name is checked as a plain SQL identifier here, and every test's columns and models must be declared,
 * so a typo is one sentence naming the file and the key, not a SQL error in the middle of a build.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { OrderHeError } from '../core/errors';
import { checkIdent } from '../core/identifiers';
import { SOURCE_TABLES, TABLES, type SourceTable } from '../core/tables';

/** The layers that hold declared models, each with its folder under sql/. */
export const MODEL_LAYERS = { staging: ['warehouse', 'staging'], core: ['warehouse', 'core'], mart: ['mart'] } as const;
export type ModelLayer = keyof typeof MODEL_LAYERS;

/** The reconciliations written in TypeScript (they need the source or the pre-merge baseline); a YAML file names them. */
export const RECONCILIATIONS = {
  /** staging.<table> holds exactly the rows its pending runs' manifests announced. */
  manifest_vs_staging: 'staging',
  /** core gained exactly the staged keys it did not hold, and its money total moved by exactly the staged change. */
  staging_vs_core: 'core',
  /** core holds what the MySQL source holds: row counts and money totals. */
  source_vs_core: 'core',
} as const;
export type ReconciliationName = keyof typeof RECONCILIATIONS;

/** A number computed on one model: an aggregate of one column, optionally over the rows a filter keeps. */
export interface Measure {
  /** `schema.table`; for the reconciled model's own side, the model itself. */
  model: string;
  aggregate: 'sum' | 'count' | 'count_distinct';
  /** The column aggregated; `*` only for count. */
  column: string;
  /** column = value, values bound as parameters. */
  where: Record<string, string | number | boolean>;
  /** column IN (SELECT field FROM model WHERE ...). */
  whereIn: { column: string; model: string; field: string; where: Record<string, string | number | boolean> }[];
}

export type DataTest =
  | { kind: 'unique'; column: string }
  | { kind: 'not_null'; column: string }
  | { kind: 'relationships'; column: string; to: string; field: string }
  | { kind: 'accepted_values'; column: string; values: string[]; from: string }
  | { kind: 'unique_combination'; columns: string[] }
  | { kind: 'current_version'; key: string; flag: string }
  | { kind: 'reconcile'; name: string; measure: Measure; equals: Measure }
  | { kind: 'reconciliation'; name: ReconciliationName };

export interface DeclaredColumn {
  name: string;
  description: string;
}

export interface DeclaredModel {
  /** `schema.table`: core.fct_orders. */
  name: string;
  layer: ModelLayer;
  /** The table name alone: fct_orders. */
  table: string;
  description: string;
  grain: string;
  /** What it reads, as `schema.table` (`lake.orders` for a staging table loaded from the lake). */
  dependsOn: string[];
  columns: DeclaredColumn[];
  tests: DataTest[];
  /** The YAML file, relative to the project. */
  file: string;
  /** The SQL file that defines the table, relative to the project. */
  sqlFile: string;
  /** For staging and core models made from one source table: that table (registry name). */
  sourceTable?: SourceTable;
}

type Yaml = Record<string, unknown>;

/** One sentence naming the file and the key, plus what to write instead. */
function yamlError(file: string, key: string, problem: string, fix = 'See the schema at the top of lib/quality/declared-models.ts, or a neighbouring .yml file.'): OrderHeError {
  return new OrderHeError(`${file}: ${key} ${problem}.`, fix);
}

const isObject = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);

function readText(file: string, key: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw yamlError(file, key, 'must be a non-empty text');
  // Descriptions become SQL string literals (COMMENT ON ... IS '...'): quotes are doubled, but a backslash
  // means different things on PostgreSQL and Redshift, so it is refused rather than guessed.
  if (/[\\\u0000]/.test(v)) throw yamlError(file, key, 'holds a backslash or NUL character, which a warehouse comment cannot carry portably');
  return v.trim();
}

function readIdent(file: string, key: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(v)) throw yamlError(file, key, `is ${JSON.stringify(v)}, which is not a plain lower-case SQL name`);
  return checkIdent(v, `${file}: ${key}`);
}

function readModelName(file: string, key: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(v)) throw yamlError(file, key, `is ${JSON.stringify(v)}, which is not a schema.table name`);
  return v;
}

function onlyKeys(file: string, key: string, o: Yaml, allowed: string[]) {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) throw yamlError(file, `${key}.${extra[0]}`, `is not a known key (known: ${allowed.join(', ')})`);
}

function readWhere(file: string, key: string, v: unknown): Record<string, string | number | boolean> {
  if (v === undefined) return {};
  if (!isObject(v)) throw yamlError(file, key, 'must map column names to values');
  for (const [col, value] of Object.entries(v)) {
    readIdent(file, `${key}.${col}`, col);
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw yamlError(file, `${key}.${col}`, 'must be a text, number or true/false');
  }
  return v as Record<string, string | number | boolean>;
}

function readMeasure(file: string, key: string, v: unknown, self: string): Measure {
  if (!isObject(v)) throw yamlError(file, key, 'must be a measure such as { sum: revenue }');
  onlyKeys(file, key, v, ['model', 'sum', 'count', 'count_distinct', 'where', 'where_in']);
  const aggregates = (['sum', 'count', 'count_distinct'] as const).filter((a) => v[a] !== undefined);
  if (aggregates.length !== 1) throw yamlError(file, key, 'must have exactly one of sum, count, count_distinct');
  const aggregate = aggregates[0];
  const column = aggregate === 'count' && v.count === '*' ? '*' : readIdent(file, `${key}.${aggregate}`, v[aggregate]);
  const whereIn = v.where_in === undefined ? [] : Object.entries(isObject(v.where_in) ? v.where_in : (() => { throw yamlError(file, `${key}.where_in`, 'must map a column to { model, field }'); })())
    .map(([col, sub]) => {
      if (!isObject(sub)) throw yamlError(file, `${key}.where_in.${col}`, 'must be { model, field, where }');
      onlyKeys(file, `${key}.where_in.${col}`, sub, ['model', 'field', 'where']);
      return { column: readIdent(file, `${key}.where_in`, col), model: readModelName(file, `${key}.where_in.${col}.model`, sub.model),
        field: readIdent(file, `${key}.where_in.${col}.field`, sub.field), where: readWhere(file, `${key}.where_in.${col}.where`, sub.where) };
    });
  return { model: v.model === undefined ? self : readModelName(file, `${key}.model`, v.model), aggregate, column, where: readWhere(file, `${key}.where`, v.where), whereIn };
}

/** A registry reference `table.column` whose column declares its accepted values. */
function registryValues(file: string, key: string, ref: unknown): string[] {
  const [table, column] = typeof ref === 'string' ? ref.split('.') : [];
  const spec = (SOURCE_TABLES as readonly string[]).includes(table) ? TABLES[table as SourceTable].columns.find((c) => c.name === column) : undefined;
  if (!spec?.accepted) {
    throw yamlError(file, key, `is ${JSON.stringify(ref)}, but the table registry (lib/core/tables.ts) declares no accepted values for that column`,
      'Name a registry column with an accepted list, e.g. { registry: orders.status }, or list them: { values: [a, b] }.');
  }
  return [...spec.accepted];
}

/** A column's `data_tests` entry: `unique`, `not_null`, or a one-key mapping. */
function readColumnTest(file: string, key: string, column: string, v: unknown): DataTest {
  if (v === 'unique' || v === 'not_null') return { kind: v, column };
  if (!isObject(v) || Object.keys(v).length !== 1) throw yamlError(file, key, `must be unique, not_null, relationships or accepted_values, not ${JSON.stringify(v)}`);
  const [[kind, arg]] = Object.entries(v);
  if (kind === 'relationships') {
    if (!isObject(arg)) throw yamlError(file, `${key}.relationships`, 'must be { to: schema.table, field: column }');
    onlyKeys(file, `${key}.relationships`, arg, ['to', 'field']);
    return { kind, column, to: readModelName(file, `${key}.relationships.to`, arg.to), field: readIdent(file, `${key}.relationships.field`, arg.field) };
  }
  if (kind === 'accepted_values') {
    if (!isObject(arg)) throw yamlError(file, `${key}.accepted_values`, 'must be { registry: table.column } or { values: [...] }');
    onlyKeys(file, `${key}.accepted_values`, arg, ['registry', 'values']);
    if (arg.registry !== undefined) return { kind, column, values: registryValues(file, `${key}.accepted_values.registry`, arg.registry), from: `registry ${arg.registry}` };
    if (!Array.isArray(arg.values) || arg.values.length === 0 || !arg.values.every((x) => typeof x === 'string')) {
      throw yamlError(file, `${key}.accepted_values.values`, 'must be a non-empty list of texts');
    }
    return { kind, column, values: arg.values as string[], from: 'values' };
  }
  throw yamlError(file, key, `names the test ${JSON.stringify(kind)}, which is not one of unique, not_null, relationships, accepted_values`);
}

function readModelTest(file: string, key: string, self: string, v: unknown): DataTest {
  if (!isObject(v) || Object.keys(v).length !== 1) throw yamlError(file, key, 'must be a one-key mapping such as { unique_combination: [col] }');
  const [[kind, arg]] = Object.entries(v);
  switch (kind) {
    case 'unique_combination':
      if (!Array.isArray(arg) || arg.length === 0) throw yamlError(file, `${key}.unique_combination`, 'must be a non-empty list of columns');
      return { kind, columns: arg.map((c, i) => readIdent(file, `${key}.unique_combination[${i}]`, c)) };
    case 'current_version':
      if (!isObject(arg)) throw yamlError(file, `${key}.current_version`, 'must be { key: column, flag: boolean column }');
      return { kind, key: readIdent(file, `${key}.current_version.key`, arg.key), flag: readIdent(file, `${key}.current_version.flag`, arg.flag) };
    case 'reconciliation': {
      const layer = RECONCILIATIONS[arg as ReconciliationName];
      if (!layer) throw yamlError(file, `${key}.reconciliation`, `is ${JSON.stringify(arg)}, which is not one of ${Object.keys(RECONCILIATIONS).join(', ')}`);
      if (!self.startsWith(`${layer}.`)) throw yamlError(file, `${key}.reconciliation`, `is ${arg}, which guards ${layer} models only`);
      return { kind, name: arg as ReconciliationName };
    }
    case 'reconcile': {
      if (!isObject(arg)) throw yamlError(file, `${key}.reconcile`, 'must be { name, measure, equals }');
      onlyKeys(file, `${key}.reconcile`, arg, ['name', 'measure', 'equals']);
      const measure = readMeasure(file, `${key}.reconcile.measure`, arg.measure, self);
      if (measure.model !== self) throw yamlError(file, `${key}.reconcile.measure.model`, 'must be left out: the measure is taken on this model');
      const equals = readMeasure(file, `${key}.reconcile.equals`, arg.equals, self);
      if (!isObject(arg.equals) || arg.equals.model === undefined) throw yamlError(file, `${key}.reconcile.equals.model`, 'is missing: name the model the measure must equal');
      return { kind, name: readText(file, `${key}.reconcile.name`, arg.name), measure, equals };
    }
    default:
      throw yamlError(file, key, `names the test ${JSON.stringify(kind)}, which is not one of unique_combination, current_version, reconciliation, reconcile`);
  }
}

/** The SQL file beside a YAML file: NAME.sql, or the file `defined_in` names (bookkeeping tables share one DDL file). */
function sqlFileOf(dir: string, base: string, definedIn: unknown, file: string): string {
  const candidate = typeof definedIn === 'string' ? definedIn : `${base}.sql`;
  if (!fs.existsSync(path.join(dir, candidate))) throw yamlError(file, typeof definedIn === 'string' ? 'defined_in' : '(file name)', `points at ${candidate}, which is not in ${dir}`, 'Put NAME.yml beside NAME.sql, or name the DDL file with defined_in.');
  return path.join(dir, candidate);
}

/** Reads and validates one YAML file (everything but cross-model references, which `loadDeclaredModels` checks). */
export function readDeclaredModel(projectRoot: string, layer: ModelLayer, fileName: string): DeclaredModel {
  const dir = path.join(projectRoot, 'sql', ...MODEL_LAYERS[layer]);
  const full = path.join(dir, fileName);
  const file = path.relative(projectRoot, full);
  const base = path.basename(fileName, '.yml');
  const table = base.replace(/^\d+_/, '');
  const name = `${layer}.${readIdent(file, '(file name)', table)}`;
  let doc: unknown;
  try {
    doc = yaml.load(fs.readFileSync(full, 'utf8'), { filename: file });
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number }; message: string };
    throw new OrderHeError(`${file} is not valid YAML: ${e.reason ?? e.message.split('\n')[0]}${e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : ''}.`, 'Fix the YAML (indentation, a missing colon or quote), then rerun.');
  }
  if (!isObject(doc)) throw yamlError(file, '(top level)', 'must be a mapping with description, grain, depends_on, columns');
  onlyKeys(file, '(top level)', doc, ['description', 'grain', 'depends_on', 'columns', 'data_tests', 'defined_in']);
  const dependsOn = doc.depends_on === undefined ? [] : Array.isArray(doc.depends_on)
    ? doc.depends_on.map((d, i) => readModelName(file, `depends_on[${i}]`, d))
    : (() => { throw yamlError(file, 'depends_on', 'must be a list of schema.table names'); })();
  const sourceTable = layer === 'staging'
    ? SOURCE_TABLES.find((t) => t === table)
    : layer === 'core' ? SOURCE_TABLES.find((t) => TABLES[t].core.table === name) : undefined;
  if (!Array.isArray(doc.columns) || doc.columns.length === 0) throw yamlError(file, 'columns', 'must be a non-empty list of { name, description }');
  const columns: DeclaredColumn[] = [];
  const tests: DataTest[] = [];
  doc.columns.forEach((c, i) => {
    const key = `columns[${i}]`;
    if (!isObject(c)) throw yamlError(file, key, 'must be { name, description, data_tests }');
    onlyKeys(file, key, c, ['name', 'description', 'data_tests']);
    const col = readIdent(file, `${key}.name`, c.name);
    if (columns.some((x) => x.name === col)) throw yamlError(file, `${key}.name`, `repeats the column ${col}`);
    // A column that carries its source column unchanged keeps the registry's description (declared once there).
    const inherited = sourceTable ? TABLES[sourceTable].columns.find((r) => r.name === col)?.description : undefined;
    const description = c.description === undefined && inherited ? inherited : readText(file, `${key}.description (${col})`, c.description);
    columns.push({ name: col, description });
    if (c.data_tests !== undefined && !Array.isArray(c.data_tests)) throw yamlError(file, `${key}.data_tests`, 'must be a list');
    ((c.data_tests as unknown[]) ?? []).forEach((t, j) => tests.push(readColumnTest(file, `${key}.data_tests[${j}]`, col, t)));
  });
  if (doc.data_tests !== undefined && !Array.isArray(doc.data_tests)) throw yamlError(file, 'data_tests', 'must be a list');
  ((doc.data_tests as unknown[]) ?? []).forEach((t, j) => tests.push(readModelTest(file, `data_tests[${j}]`, name, t)));
  return {
    name, layer, table, description: readText(file, 'description', doc.description), grain: readText(file, 'grain', doc.grain), dependsOn, columns, tests,
    file, sqlFile: path.relative(projectRoot, sqlFileOf(dir, base, doc.defined_in, file)), sourceTable,
  };
}

/** Checks what one file cannot: referenced models exist, referenced columns are declared, reconciliations fit. */
function checkReferences(models: DeclaredModel[]) {
  const byName = new Map(models.map((m) => [m.name, m]));
  const columnOf = (m: DeclaredModel, model: string, column: string, key: string) => {
    const target = byName.get(model);
    if (!target) throw yamlError(m.file, key, `names the model ${model}, which no sql/**/*.yml declares`);
    if (column !== '*' && !target.columns.some((c) => c.name === column)) throw yamlError(m.file, key, `names the column ${column}, which ${target.file} does not declare`);
  };
  for (const m of models) {
    m.dependsOn.forEach((d, i) => {
      const [schema, table] = d.split('.');
      const external = (schema === 'lake' || schema === 'source') && (SOURCE_TABLES as readonly string[]).includes(table);
      if (!external && !byName.has(d)) throw yamlError(m.file, `depends_on[${i}]`, `names ${d}, which no sql/**/*.yml declares (nor is it lake.<source table>)`);
      if (d === m.name) throw yamlError(m.file, `depends_on[${i}]`, 'names the model itself');
    });
    m.tests.forEach((t, i) => {
      const key = `data_tests (${t.kind} #${i + 1})`;
      switch (t.kind) {
        case 'relationships': columnOf(m, t.to, t.field, `${key}.to`); break;
        case 'unique_combination': t.columns.forEach((c) => columnOf(m, m.name, c, key)); break;
        case 'current_version': columnOf(m, m.name, t.key, key); columnOf(m, m.name, t.flag, key); break;
        case 'reconcile':
          for (const [side, ms] of [['measure', t.measure], ['equals', t.equals]] as const) {
            columnOf(m, ms.model, ms.column, `${key}.${side}`);
            for (const col of Object.keys(ms.where)) columnOf(m, ms.model, col, `${key}.${side}.where`);
            for (const w of ms.whereIn) {
              columnOf(m, ms.model, w.column, `${key}.${side}.where_in`);
              columnOf(m, w.model, w.field, `${key}.${side}.where_in.${w.column}`);
              for (const col of Object.keys(w.where)) columnOf(m, w.model, col, `${key}.${side}.where_in.${w.column}.where`);
            }
          }
          break;
        case 'reconciliation':
          if (!m.sourceTable) throw yamlError(m.file, `${key}.reconciliation`, `is ${t.name}, but ${m.name} is made from no single source table of the registry`);
          break;
        default: break;
      }
    });
  }
}

/** Every declared model under sql/ (staging, core, mart, in that order; files sorted by name), validated. */
export function loadDeclaredModels(projectRoot: string): DeclaredModel[] {
  const models: DeclaredModel[] = [];
  for (const layer of Object.keys(MODEL_LAYERS) as ModelLayer[]) {
    const dir = path.join(projectRoot, 'sql', ...MODEL_LAYERS[layer]);
    if (!fs.existsSync(dir)) throw new OrderHeError(`The SQL folder ${dir} is missing.`, 'Run from a full checkout of the workbook (git status).');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yml')).sort()) models.push(readDeclaredModel(projectRoot, layer, f));
  }
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.name)) throw yamlError(m.file, '(file name)', `declares ${m.name}, which another file already declares`);
    seen.add(m.name);
  }
  checkReferences(models);
  return models;
}

/**
 * Orders models so each comes after the models it depends on (a topological sort; ties keep the given order).
 * Dependencies outside `models` (core tables for the mart, the lake for staging) are taken as built already.
 */
export function orderByDependsOn<M extends { name: string; dependsOn: readonly string[]; file: string }>(models: M[]): M[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: M[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: M, chain: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting') {
      const circle = [...chain.slice(chain.indexOf(m.name)), m.name];
      throw new OrderHeError(`The models depend on each other in a circle: ${circle.join(' → ')}.`,
        `Remove one of these from the other's depends_on: ${circle.slice(0, -1).map((n) => byName.get(n)!.file).join(', ')}.`);
    }
    state.set(m.name, 'visiting');
    for (const d of m.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...chain, m.name]);
    }
    state.set(m.name, 'done');
    ordered.push(m);
  };
  for (const m of models) visit(m, []);
  return ordered;
}

/** How many data tests the YAML declares (each column test and each model test counts once). */
export const countDeclaredTests = (models: readonly DeclaredModel[]) => models.reduce((n, m) => n + m.tests.length, 0);
