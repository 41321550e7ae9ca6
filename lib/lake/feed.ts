/**
 * The extract's runs as they land, for a warehouse load running at the same time (lib/pipeline.ts overlaps the
 * lake and warehouse steps). The extract writes a table's parts and run record, then moves on to the next table;
 * meanwhile the warehouse can already COPY that run's parts into staging, inside its one open transaction. The
 * load still commits only after the extract has written every manifest and its state: the manifests gate what
 * the warehouse publishes, as in the sequential load (lib/warehouse/staging-load.ts).
 *
 * A queue with one reader: the extract says `runWritten` per table, `restarted` when it begins again in a new
 * snapshot (its earlier objects are gone, so what the reader copied of them must go too), then `finished` or
 * `failed`. The reader iterates the events in order.
 */
import type { RunRecord } from './format';

export type LakeFeedEvent =
  | { kind: 'run'; record: RunRecord; prefix: string }
  | { kind: 'restarted' };

export class LakeRunFeed implements AsyncIterable<LakeFeedEvent> {
  private events: LakeFeedEvent[] = [];
  private ended = false;
  private failure: { err: unknown } | null = null;
  private wake: (() => void) | null = null;

  /** A table's parts and run record are in the lake (no manifest yet). */
  runWritten(record: RunRecord, prefix: string): void {
    this.push({ kind: 'run', record, prefix });
  }

  /** The extract starts over in a new snapshot: runs announced so far were removed. */
  restarted(): void {
    this.push({ kind: 'restarted' });
  }

  /** Every manifest and the extract state are written: the reader may now plan and commit. */
  finished(): void {
    this.ended = true;
    this.notify();
  }

  /** The extract failed: the reader stops with this error (and rolls back what it copied). */
  failed(err: unknown): void {
    this.failure ??= { err };
    this.ended = true;
    this.notify();
  }

  private push(event: LakeFeedEvent) {
    if (this.ended) return;
    this.events.push(event);
    this.notify();
  }

  private notify() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LakeFeedEvent> {
    for (;;) {
      if (this.failure) throw this.failure.err;
      const next = this.events.shift();
      if (next) yield next;
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
