/**
 * One pipeline at a time per data folder and databases: two runs interleaving writes into the same
 * source, lake and warehouse would corrupt each other's state. A lock file holds the owner's pid;
 * a lock left by a killed run (its pid is gone) is taken over, so SIGKILL never blocks the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OrderHeConfig } from './config';
import { OrderHeError } from './errors';

export interface RunLock { file: string; release(): void }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireRunLock(config: OrderHeConfig): RunLock {
  const name = `pipeline-${config.source.database}-${config.warehouse.database}.lock`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const file = path.join(config.pipeline.dataDir, name);
  fs.mkdirSync(config.pipeline.dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { file, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: { pid?: number; startedAt?: string } = {};
      try {
        owner = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        // Half-written by a process killed mid-write: treat as stale.
      }
      if (owner.pid && owner.pid !== process.pid && alive(owner.pid)) {
        throw new OrderHeError(`Another pipeline (pid ${owner.pid}, started ${owner.startedAt}) is running on the same databases.`, 'Wait for it to finish, or stop it (kill ' + owner.pid + ') and run again.');
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new OrderHeError(`Could not take the pipeline lock ${file}.`, 'Delete that file if no pipeline is running, then run again.');
}
