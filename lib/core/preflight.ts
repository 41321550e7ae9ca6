/**
 * The one validation pass before a run touches anything. loadConfig has already refused bad values and names
 * (ports, SQL identifiers, the bucket) for every section; what is left is the file system: every folder the
 * chosen steps will write must be writable, checked without creating anything. `npm run doctor` runs the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OrderHeConfig } from './config';
import { OrderHeError } from './errors';
import type { StepName } from './steps';

/** The folders the steps write, each with the setting that moves it. */
export function foldersWritten(config: OrderHeConfig, steps: readonly StepName[]): { dir: string; setting: string }[] {
  const dataDir = { dir: config.pipeline.dataDir, setting: 'ORDERHE_DATA_DIR' };
  const out: { dir: string; setting: string }[] = [];
  if (steps.includes('generate')) out.push({ ...dataDir, dir: path.join(dataDir.dir, 'generated') });
  // The embedded lake server keeps its objects on this disk; it serves the lake and warehouse steps.
  if (config.lake.kind === 'embedded' && steps.some((s) => s === 'lake' || s === 'warehouse')) out.push({ dir: config.lake.dir, setting: 'lake.dir' });
  if (steps.some((s) => s === 'mart' || s === 'dashboard')) out.push({ ...dataDir, dir: path.join(dataDir.dir, 'out') });
  return out;
}

/** Refuses, in one sentence naming the folder and the setting, a folder that cannot be created or written. Creates nothing. */
export function checkFolderWritable(dir: string, setting: string): void {
  let existing = path.resolve(dir);
  // The nearest part of the path that exists is what decides: a file there (ENOTDIR), or no write access.
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') {
        existing = path.dirname(existing);
        continue;
      }
      if (code !== 'ENOENT') throw new OrderHeError(`Cannot use ${dir} (from ${setting}): ${existing} gives ${code}.`, `Set ${setting} to a folder you can write.`);
    }
    if (stat && !stat.isDirectory()) {
      throw new OrderHeError(`Cannot use ${dir} (from ${setting}) as a folder: ${existing} is a file (ENOTDIR).`, `Move that file away, or set ${setting} to another folder.`);
    }
    if (stat) break;
    const up = path.dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system (EROFS)' : `is not writable (${code})`;
    throw new OrderHeError(`Cannot write ${dir} (from ${setting}): ${existing} ${why}.`, `Set ${setting} to a folder on a writable disk, or fix that folder's permissions.`);
  }
}

/** Every check a run of `steps` needs before it starts; throws the first problem as one sentence. */
export function checkRunSettings(config: OrderHeConfig, steps: readonly StepName[]): void {
  for (const { dir, setting } of foldersWritten(config, steps)) checkFolderWritable(dir, setting);
}
