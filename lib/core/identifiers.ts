/**
 * Names that come from configuration (databases, schemas, buckets) are checked against a strict pattern
 * and quoted; values always travel as bound parameters. Nothing from input is pasted into SQL otherwise.
 */
import { OrderHeError, shown } from './errors';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkIdent(name: string, setting: string): string {
  if (!IDENT.test(name)) {
    throw new OrderHeError(`${setting} is "${shown(name)}", which is not a plain SQL name.`, `Use letters, digits and underscores only, starting with a letter, e.g. orderhe.`);
  }
  return name;
}

export const quoteMysqlIdent = (name: string, setting: string) => '`' + checkIdent(name, setting) + '`';
export const quotePgIdent = (name: string, setting: string) => '"' + checkIdent(name, setting) + '"';

const BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export function checkBucket(name: string): string {
  if (!BUCKET.test(name) || name.includes('..')) {
    throw new OrderHeError(`lake.bucket is "${shown(name)}", which is not a valid S3 bucket name.`, 'Use 3-63 lowercase letters, digits, dots or hyphens, e.g. orderhe-lake.');
  }
  return name;
}
