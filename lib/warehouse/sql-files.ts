/**
 * Our models are SQL files, one table per file (dbt's idea): this reads them, finds which tables each one
 * reads (`core.x`, `mart.x`, `staging.x`) and orders them so every table is built after the ones it reads.
 * The folder and the references are the lineage; nobody keeps a list by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OrderHeError } from '../core/errors';

export interface SqlModel {
  /** The table the file makes: its file name without a numeric prefix and `.sql` (`03_daily_sales.sql` → `daily_sales`). */
  name: string;
  file: string;
  sql: string;
  /** The header comment (leading `--` lines): grain, columns, where rows come from. */
  header: string;
  /** Tables the SQL reads, as `schema.table`, in first-seen order, without the model's own table. */
  reads: string[];
}

/** The project's sql/ folder: `sqlPath(root, 'mart')` → `<root>/sql/mart`. */
export const sqlPath = (projectRoot: string, ...parts: string[]) => path.join(projectRoot, 'sql', ...parts);

/** SQL without its comments, so a table named only in a comment is not a dependency. */
export function stripSqlComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}

/** `schema.table` references to the given schemas, lower-cased, first-seen order, no duplicates. */
export function sqlReferences(sql: string, schemas: readonly string[] = ['staging', 'core', 'mart']): string[] {
  const found = new Set<string>();
  const pattern = new RegExp(`\\b(${schemas.join('|')})\\.([A-Za-z_][A-Za-z0-9_]*)\\b`, 'gi');
  for (const m of stripSqlComments(sql).matchAll(pattern)) found.add(`${m[1].toLowerCase()}.${m[2].toLowerCase()}`);
  return [...found];
}

/** Reads every `*.sql` file of a folder, sorted by file name. `schema` names the table each file makes. */
export function readSqlModels(dir: string, schema: string): SqlModel[] {
  if (!fs.existsSync(dir)) throw new OrderHeError(`The SQL folder ${dir} is missing.`, 'Run from a full checkout of the workbook (git status).');
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const sql = fs.readFileSync(file, 'utf8');
      const name = path.basename(f, '.sql').replace(/^\d+_/, '');
      const header = sql.split('\n').filter((l, i, all) => l.startsWith('--') && all.slice(0, i).every((p) => p.startsWith('--')))
        .map((l) => l.replace(/^--\s?/, '')).join('\n');
      return { name, file, sql, header, reads: sqlReferences(sql).filter((r) => r !== `${schema}.${name}`) };
    });
}

/**
 * Orders models so each comes after the models of `schema` it reads (a topological sort; ties keep file order).
 * A cycle or a reference to a model that has no file is an error naming the files.
 */
export function orderByDependencies(models: SqlModel[], schema: string): SqlModel[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: SqlModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: SqlModel, chain: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting') {
      throw new OrderHeError(`The ${schema} models read each other in a circle: ${[...chain, m.name].join(' → ')}.`, `Change one of these files so it no longer reads the other: ${chain.map((n) => path.basename(byName.get(n)!.file)).join(', ')}.`);
    }
    state.set(m.name, 'visiting');
    for (const ref of m.reads) {
      const [refSchema, refName] = ref.split('.');
      if (refSchema !== schema) continue;
      const dep = byName.get(refName);
      if (!dep) throw new OrderHeError(`${path.basename(m.file)} reads ${ref}, but no file makes that table.`, `Add sql/${schema}/${refName}.sql, or fix the table name in ${path.basename(m.file)}.`);
      visit(dep, [...chain, m.name]);
    }
    state.set(m.name, 'done');
    ordered.push(m);
  };
  for (const m of models) visit(m, []);
  return ordered;
}
