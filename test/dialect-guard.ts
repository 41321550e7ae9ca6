/**
 * The dialect guard: reads SQL the way Redshift and MySQL 8 would, before any real service does.
 *
 * Each statement is parsed by node-sql-parser with its `redshift` or `mysql` grammar, then its syntax tree is
 * checked against the rules below. What that catches and what it cannot:
 * - The parser catches syntax its grammar does not know (a typo, MySQL backticks or `BINARY c = x` in the wrong
 *   place, a construct neither grammar has). Its `redshift` grammar is its PostgreSQL one with Redshift keywords,
 *   so it accepts PostgreSQL-only SQL that Redshift refuses (DISTINCT ON, NOW() against a table, pg_roles): the
 *   rules below catch those, by name, from the tree (a column named `now` or a string saying CURRENT_TIMESTAMP
 *   is not a call and does not trip them).
 * - Nothing here knows types, so it cannot see an overflowing NUMERIC, a byte-counted VARCHAR or a NULL marker:
 *   the mart SQL's casts, test/tables.test.ts and the Redshift integration test cover those.
 * - Its `redshift` grammar lacks some statements Redshift documents. Those are the narrow exceptions in
 *   REDSHIFT_PARSER_GAPS, each with the Redshift page that documents it: either rewritten to an equivalent form the
 *   grammar reads (so the expressions inside are still checked) or, for statements with no expression inside
 *   (COMMENT ON, DROP SCHEMA, BEGIN READ ONLY, COPY), checked by the same rules on their text, strings removed.
 */
import { Parser } from 'node-sql-parser';

const parser = new Parser();

/**
 * Functions Redshift runs on the leader node only: a query that uses one and reads a user table fails
 * (Amazon Redshift Database Developer Guide, "Leader node-only functions", c_SQL_functions_leader_node_only.html,
 * including its deprecated date and string functions). GENERATE_SERIES works the same way (leader node only,
 * its rows cannot be inserted into a table): core/merge/09_dim_date.sql builds days without it.
 */
export const REDSHIFT_LEADER_NODE_ONLY = [
  'CURRENT_SCHEMA', 'CURRENT_SCHEMAS', 'HAS_DATABASE_PRIVILEGE', 'HAS_SCHEMA_PRIVILEGE', 'HAS_TABLE_PRIVILEGE',
  'SUBSTR', 'FACTORIAL', 'LOG',
  'AGE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'LOCALTIME', 'LOCALTIMESTAMP', 'ISFINITE', 'NOW',
  'GETBIT', 'GET_BIT', 'GET_BYTE', 'SET_BIT', 'SET_BYTE', 'TO_ASCII',
  'GENERATE_SERIES',
] as const;

/** PostgreSQL catalog views Redshift does not have (its own are pg_user, pg_group, svv_roles...). */
export const POSTGRES_ONLY_CATALOG = ['pg_roles', 'pg_authid', 'pg_stat_activity', 'pg_stat_user_tables'] as const;

/** PostgreSQL constructs Redshift refuses ("Unsupported PostgreSQL features", c_unsupported-postgresql-features.html). */
const POSTGRES_ONLY_TEXT: { pattern: RegExp; why: string }[] = [
  { pattern: /\bDISTINCT\s+ON\s*\(/i, why: 'DISTINCT ON is PostgreSQL-only (use ROW_NUMBER() OVER (PARTITION BY ...) = 1)' },
  { pattern: /\bON\s+CONFLICT\b/i, why: 'INSERT ... ON CONFLICT is PostgreSQL-only (delete + insert, as core/merge does)' },
  { pattern: /\bRETURNING\b/i, why: 'RETURNING is PostgreSQL-only' },
  { pattern: /\bFILTER\s*\(\s*WHERE\b/i, why: 'aggregate FILTER (WHERE ...) is PostgreSQL-only (use CASE inside the aggregate)' },
  { pattern: /\bUNLOGGED\b/i, why: 'UNLOGGED tables are PostgreSQL-only (capabilities.unloggedTables)' },
  { pattern: /\bwork_mem\b/i, why: 'work_mem is PostgreSQL-only (capabilities.sortMemory)' },
  { pattern: /^\s*TRUNCATE\b/i, why: 'TRUNCATE commits the open transaction on Redshift (capabilities.transactionalTruncate: DELETE)' },
];

/** MySQL 8 deprecations and MariaDB-only syntax the source must not send (MySQL 8.0 Reference Manual). */
const MYSQL8_TEXT: { pattern: RegExp; why: string }[] = [
  { pattern: /(?<!\bAS\s)\bBINARY\s+(?!\))[`\w(]/i, why: 'the BINARY operator is deprecated since MySQL 8.0.27 (warning 1287): use CAST(x AS BINARY)' },
  { pattern: /\bSQL_CALC_FOUND_ROWS\b|\bFOUND_ROWS\s*\(/i, why: 'SQL_CALC_FOUND_ROWS / FOUND_ROWS() are deprecated since MySQL 8.0.17' },
  { pattern: /\bON\s+DUPLICATE\s+KEY\s+UPDATE\b[\s\S]*\bVALUES\s*\(/i, why: 'VALUES(col) in ON DUPLICATE KEY UPDATE is deprecated since MySQL 8.0.20 (use a row alias)' },
  { pattern: /\bCHARSET\s*=?\s*utf8\b(?!mb4)|\bCHARACTER SET\s+utf8\b(?!mb4)/i, why: 'utf8 is utf8mb3, deprecated in MySQL 8.0: use utf8mb4' },
];

/** How one statement was read: parsed whole, parsed after a documented rewrite, or checked as text only. */
export type Reading = 'parsed' | 'rewritten' | 'text only';

/**
 * Statements Redshift documents that node-sql-parser's `redshift` grammar (5.x) does not read. Each is either
 * rewritten to an equivalent form the grammar reads, keeping every expression, or read as text (no expressions
 * inside). A statement the grammar refuses that matches none of these fails the guard.
 */
export const REDSHIFT_PARSER_GAPS: { name: string; docs: string; match: RegExp; rewrite?: (sql: string) => string }[] = [
  { name: 'TIMESTAMPTZ (the grammar knows only TIMESTAMP WITH TIME ZONE, its documented synonym)', docs: 'r_Datetime_types.html',
    match: /\bTIMESTAMPTZ\b/i, rewrite: (s) => s.replace(/\bTIMESTAMPTZ\b/gi, 'TIMESTAMP WITH TIME ZONE') },
  { name: 'column AT TIME ZONE \'zone\' (read as CONVERT_TIMEZONE(\'zone\', column))', docs: 'r_AT_TIME_ZONE.html',
    match: /\b[\w.]+\s+AT\s+TIME\s+ZONE\s+'[^']*'/i, rewrite: (s) => s.replace(/\b([\w.]+)\s+AT\s+TIME\s+ZONE\s+('[^']*')/gi, 'CONVERT_TIMEZONE($2, $1)') },
  { name: 'CREATE [TEMP] TABLE ... AS SELECT (its SELECT is checked)', docs: 'r_CREATE_TABLE_AS.html',
    match: /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TABLE\s+[\w."]+\s+AS\s/i, rewrite: (s) => s.replace(/^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TABLE\s+[\w."]+\s+AS\s/i, '') },
  { name: 'CREATE TEMP TABLE t (columns) (read without TEMP)', docs: 'r_CREATE_TABLE_NEW.html',
    match: /^\s*CREATE\s+(TEMP|TEMPORARY)\s+TABLE\s+[\w."]+\s*\(/i, rewrite: (s) => s.replace(/^\s*CREATE\s+(TEMP|TEMPORARY)\s+TABLE\b/i, 'CREATE TABLE') },
  { name: 'DELETE FROM t USING s WHERE ... (read as SELECT 1 FROM t, s WHERE ...)', docs: 'r_DELETE.html',
    match: /^\s*DELETE\s+FROM\s+[\w."]+\s+USING\s/i, rewrite: (s) => s.replace(/^\s*DELETE\s+FROM\s+([\w."]+)\s+USING\s+([\s\S]+?)\s+WHERE\s/i, 'SELECT 1 FROM $1, $2 WHERE ') },
  { name: 'DROP TABLE/SCHEMA IF EXISTS ... [CASCADE]', docs: 'r_DROP_TABLE.html, r_DROP_SCHEMA.html', match: /^\s*DROP\s+(TABLE|SCHEMA)\s+IF\s+EXISTS\s+[\w."]+(\s+CASCADE)?\s*$/i },
  { name: 'COMMENT ON TABLE/COLUMN ... IS \'...\'', docs: 'r_COMMENT.html', match: /^\s*COMMENT\s+ON\s+(TABLE|COLUMN)\s+[\w."]+\s+IS\s+'(?:[^']|'')*'\s*$/i },
  { name: 'BEGIN READ ONLY', docs: 'r_BEGIN.html', match: /^\s*BEGIN\s+READ\s+ONLY\s*$/i },
  { name: 'COPY ... FROM \'s3://...\' (its options are tested as exact strings in test/redshift.test.ts)', docs: 'r_COPY.html', match: /^\s*COPY\s+[\w."]+\s*(\([^)]*\))?\s+FROM\s+'s3:\/\//i },
];

/**
 * The statements of a SQL text: `--` and block comments removed, split at semicolons outside quotes,
 * string literals kept (a `'` inside a comment, as in "customer's", does not open one).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') { while (i < sql.length && sql[i] !== '\n') i++; cur += '\n'; continue; }
    if (c === '/' && sql[i + 1] === '*') { i = sql.indexOf('*/', i + 2); if (i < 0) break; i++; cur += ' '; continue; }
    if (c === "'" || c === '"' || c === '`') {
      const end = findClosingQuote(sql, i);
      cur += sql.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === ';') { if (cur.trim()) out.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function findClosingQuote(sql: string, start: number): number {
  const q = sql[start];
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) { i++; continue; }
      return i;
    }
  }
  return sql.length - 1;
}

/** The text with string literals emptied, for the rules read from text (a string saying NOW() is not a call). */
const withoutStrings = (sql: string) => sql.replace(/'(?:[^']|'')*'/g, "''");

/** Every function called anywhere in a syntax tree, upper-cased. */
function calledFunctions(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) { for (const n of node) calledFunctions(n, found); return found; }
  if (!node || typeof node !== 'object') return found;
  const n = node as Record<string, unknown>;
  if (n.type === 'function' && n.name && typeof n.name === 'object') {
    for (const part of ((n.name as { name?: { value?: unknown }[] }).name ?? [])) if (typeof part.value === 'string') found.add(part.value.toUpperCase());
  }
  if (n.type === 'aggr_func' && typeof n.name === 'string') found.add(n.name.toUpperCase());
  for (const v of Object.values(n)) calledFunctions(v, found);
  return found;
}

function textRules(sql: string, rules: { pattern: RegExp; why: string }[]): string[] {
  const text = withoutStrings(sql);
  return rules.filter((r) => r.pattern.test(text)).map((r) => r.why);
}

export interface GuardResult { statement: string; reading: Reading | 'refused'; problems: string[]; gaps: string[] }

/** One Redshift statement: parsed with the `redshift` grammar (through a documented gap when needed), then the rules. */
export function checkRedshiftStatement(statement: string): GuardResult {
  const gaps: string[] = [];
  let sql = statement;
  let reading: Reading = 'parsed';
  let ast: unknown;
  const tryParse = (text: string) => { try { return { ast: parser.astify(text, { database: 'redshift' }) }; } catch (err) { return { error: (err as Error).message }; } };
  let got = tryParse(sql);
  if ('error' in got) {
    for (const gap of REDSHIFT_PARSER_GAPS) {
      if (!gap.match.test(sql)) continue;
      gaps.push(`${gap.name} [${gap.docs}]`);
      if (!gap.rewrite) { reading = 'text only'; break; }
      sql = gap.rewrite(sql);
      reading = 'rewritten';
      got = tryParse(sql);
      if (!('error' in got)) break;
    }
  }
  const problems: string[] = [];
  if (reading !== 'text only') {
    if ('error' in got) return { statement, reading: 'refused', problems: [`does not parse as Redshift SQL: ${got.error?.slice(0, 160)}`], gaps };
    ast = got.ast;
    const calls = calledFunctions(ast);
    for (const f of REDSHIFT_LEADER_NODE_ONLY) if (calls.has(f)) problems.push(`${f} runs on Redshift's leader node only and fails against a table (c_SQL_functions_leader_node_only.html)`);
    for (const t of parser.tableList(sql, { database: 'redshift' })) {
      const name = t.split('::')[2]?.toLowerCase();
      if ((POSTGRES_ONLY_CATALOG as readonly string[]).includes(name)) problems.push(`${name} does not exist on Redshift (its catalog has pg_user, pg_group, svv_roles)`);
    }
  } else {
    // No expression inside these statements; still, nothing banned may hide in their text.
    const text = withoutStrings(statement);
    for (const f of REDSHIFT_LEADER_NODE_ONLY) if (new RegExp(`\\b${f}\\b`, 'i').test(text)) problems.push(`${f} runs on Redshift's leader node only (c_SQL_functions_leader_node_only.html)`);
    for (const t of POSTGRES_ONLY_CATALOG) if (new RegExp(`\\b${t}\\b`, 'i').test(text)) problems.push(`${t} does not exist on Redshift`);
  }
  problems.push(...textRules(statement, POSTGRES_ONLY_TEXT));
  return { statement, reading, problems, gaps };
}

/**
 * Statements MySQL 8 documents that node-sql-parser's `mysql` grammar does not read; they hold no expression, so
 * they are checked by the MySQL 8 rules on their text only (MySQL 8.0 Reference Manual, "START TRANSACTION, COMMIT,
 * and ROLLBACK Statements" and "SET TRANSACTION Statement"). The extract's consistent snapshot uses both.
 */
export const MYSQL_PARSER_GAPS: { name: string; docs: string; match: RegExp }[] = [
  { name: 'SET TRANSACTION ISOLATION LEVEL ...', docs: 'set-transaction.html', match: /^\s*SET\s+(SESSION\s+)?TRANSACTION\s+ISOLATION\s+LEVEL\s+(REPEATABLE\s+READ|READ\s+COMMITTED)\s*$/i },
  { name: 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY', docs: 'commit.html', match: /^\s*START\s+TRANSACTION\s+WITH\s+CONSISTENT\s+SNAPSHOT(\s*,\s*READ\s+ONLY)?\s*$/i },
];

/** One source statement: parsed with the `mysql` grammar, then the MySQL 8 rules. */
export function checkMysqlStatement(statement: string): GuardResult {
  // A character set introducer before a hex literal (_utf8mb4 X'5C4E', "Character Set Introducers" in the MySQL 8.0
  // manual) is not in the grammar: the literal is read without it.
  const sql = statement.replace(/\b_utf8mb4\s+(X'[0-9A-F]*')/gi, '$1');
  const gaps = sql === statement ? [] : ['_utf8mb4 X\'..\' introducer [MySQL 8.0 manual: charset-introducer.html]'];
  const problems = textRules(statement, MYSQL8_TEXT);
  const gap = MYSQL_PARSER_GAPS.find((g) => g.match.test(statement));
  if (gap) return { statement, reading: 'text only', problems, gaps: [`${gap.name} [${gap.docs}]`] };
  try {
    parser.astify(sql, { database: 'mysql' });
  } catch (err) {
    problems.push(`does not parse as MySQL: ${(err as Error).message.slice(0, 160)}`);
    return { statement, reading: 'refused', problems, gaps };
  }
  return { statement, reading: gaps.length ? 'rewritten' : 'parsed', problems, gaps };
}

/** Every statement of every SQL text, checked; only the ones with problems are returned. */
export function dialectProblems(texts: readonly string[], dialect: 'redshift' | 'mysql'): GuardResult[] {
  const check = dialect === 'redshift' ? checkRedshiftStatement : checkMysqlStatement;
  return texts.flatMap(splitStatements).map(check).filter((r) => r.problems.length > 0);
}
