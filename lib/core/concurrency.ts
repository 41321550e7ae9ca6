/**
 * Work that may overlap (reads after the mart is committed: each query on its own pooled connection sees the same
 * data), run with at most `limit` at once. Unlike Promise.all, a failure waits for the others to settle before it is
 * thrown, so nothing is still writing a file or holding a connection when the caller closes the warehouse.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const errors: { index: number; err: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && errors.length === 0) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        errors.push({ index: i, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  // The failure of the first item in order, whichever failed first in time: the same message on every run.
  if (errors.length > 0) throw errors.reduce((a, b) => (b.index < a.index ? b : a)).err;
  return results;
}

/** Promise.all for a few different tasks, but a failure is thrown only once all have settled (see mapConcurrently). */
export async function settleAll<T extends readonly unknown[]>(tasks: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
