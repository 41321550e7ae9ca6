/**
 * "Opened on its own, the notebook makes a small shop first": the steps before a notebook, run only when their
 * result is missing, so every step notebook works whether or not the ones before it ran in this data folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PipelineContext } from '../core/context';
import type { RunOptions } from '../core/steps';
import { generatedDir, readGeneratedManifest } from '../generate/files';
import { generateShopFiles } from '../generate/generate-shop';
import { loadShopIntoSource } from '../source/load';
import { extractTablesIntoLake, sourceLineage } from '../lake/extract';
import { readExtractState } from '../lake/read';

/** The workshop's shop: what `npm run pipeline -- --orders 2000 --seed 42` makes, the same for everyone in the room. */
export const WORKSHOP_SHOP: RunOptions = { orders: 2000, seed: 42, locale: 'en' };

/**
 * Makes sure the pipeline has reached `until` with a shop, running only the steps whose result is missing:
 * - 'generate': the generated files exist and were made with `options` (else they are generated again);
 * - 'source': MySQL holds a shop (a source_lineage row); else the files as above, then the source load;
 * - 'lake': the lake holds an extract (state/extract.json); else the source as above, then a full extract.
 * Returns one line per step it ran, empty when everything was already there.
 */
export async function ensureShop(ctx: PipelineContext, until: 'generate' | 'source' | 'lake', options: RunOptions = WORKSHOP_SHOP): Promise<string[]> {
  const ran: string[] = [];
  const generate = async () => {
    if (generatedFor(ctx.config.pipeline.dataDir, options)) return;
    await generateShopFiles(ctx, options);
    ran.push(`generated a shop of ${options.orders} orders (seed ${options.seed})`);
  };
  const source = async () => {
    if ((await sourceLineage(ctx)) !== null) return;
    await generate();
    await loadShopIntoSource(ctx, options);
    ran.push('loaded it into the MySQL source');
  };
  if (until === 'generate') await generate();
  if (until === 'source') await source();
  if (until === 'lake' && (await readExtractState(await ctx.lake())) === null) {
    await source();
    await extractTablesIntoLake(ctx);
    ran.push('extracted the source into the lake');
  }
  return ran;
}

/** Whether the generated files are a full shop made with these options (the same test the source load applies). */
function generatedFor(dataDir: string, options: RunOptions): boolean {
  if (!fs.existsSync(path.join(generatedDir(dataDir), 'manifest.json'))) return false;
  const m = readGeneratedManifest(dataDir);
  return m.seed === options.seed && m.orders === options.orders && m.locale === options.locale && m.dirty === (options.dirty ?? false);
}
