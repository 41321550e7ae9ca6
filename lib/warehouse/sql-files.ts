/**
 * Our models are SQL files, one table per file (dbt's idea), each with NAME.yml beside it declaring what it
 * reads (`depends_on`). This reads the SQL files and orders them so every table is built after the ones it
 * reads. The YAML is the lineage: nobody scans the SQL for table names, and nobody keeps a list by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OrderHeError } from '../core/errors';
import { orderByDependsOn, type DeclaredModel } from '../quality/declared-models';

export interface SqlModel {
  /** The table the file makes: its file name without a numeric prefix and `.sql` (`03_daily_sales.sql` → `daily_sales`). */
  name: string;
  file: string;
  sql: string;
  /** The header comment (leading `--` lines): grain, columns, where rows come from. */
  header: string;
  /** Tables the model reads, as `schema.table`: its YAML's depends_on (empty for a DDL file). */
  reads: string[];
  /** The model's declaration (NAME.yml), for model files; undefined for DDL files. */
  declared?: DeclaredModel;
}

/** The project's sql/ folder: `sqlPath(root, 'mart')` → `<root>/sql/mart`. */
export const sqlPath = (projectRoot: string, ...parts: string[]) => path.join(projectRoot, 'sql', ...parts);

/**
 * Reads every `*.sql` file of a folder, sorted by file name. `schema` names the table each file makes.
 * With `declared` (the models of sql/**\/*.yml), each file must have its declaration, which gives its reads.
 */
export function readSqlModels(dir: string, schema: string, declared?: readonly DeclaredModel[]): SqlModel[] {
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
      if (!declared) return { name, file, sql, header, reads: [] };
      const model = declared.find((m) => m.name === `${schema}.${name}`);
      if (!model) {
        throw new OrderHeError(`${f} makes ${schema}.${name}, but no YAML file declares that model, so its description, grain, depends_on and tests are unknown.`,
          `Add ${name}.yml beside ${name}.sql (description, grain, depends_on, columns: copy a neighbouring .yml file).`);
      }
      return { name, file, sql, header, reads: model.dependsOn, declared: model };
    });
}

/**
 * Orders models so each comes after the models of `schema` it reads (a topological sort of depends_on; ties keep
 * file order). A cycle is one error naming the models and their YAML files.
 */
export function orderByDependencies(models: SqlModel[], schema: string): SqlModel[] {
  const byName = new Map(models.map((m) => [`${schema}.${m.name}`, m]));
  for (const m of models) {
    for (const ref of m.reads) {
      if (ref.startsWith(`${schema}.`) && !byName.has(ref)) {
        throw new OrderHeError(`${path.basename(m.file)} reads ${ref} (its depends_on), but no file makes that table.`, `Add ${ref.split('.')[1]}.sql and .yml beside ${path.basename(m.file)}, or fix depends_on in ${m.declared?.file ?? path.basename(m.file)}.`);
      }
    }
  }
  const nodes = models.map((m) => ({ name: `${schema}.${m.name}`, dependsOn: m.reads, file: m.declared?.file ?? m.file, model: m }));
  return orderByDependsOn(nodes).map((n) => n.model);
}
