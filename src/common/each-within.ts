/**
 * `fn` over `items`, at most `limit` at a time; every item is tried, then the first failure (if any) is thrown. For
 * independent round trips to the database (a batch's invoices) that one at a time would leave the CPU waiting.
 */
export async function eachWithin<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        await fn(items[index], index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure) throw failure.err;
}
