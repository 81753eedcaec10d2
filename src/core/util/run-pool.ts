/**
 * Runs async work over items with at most `concurrency` in flight.
 * Why not Promise.all: when one item fails, Promise.all rejects at once while the others are
 * still running; a build would then close its index while paid model answers are still on
 * their way, and lose them. Here the first failure stops new work, every started item is
 * allowed to finish (and save its answer), and only then is the first error thrown.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      if (signal?.aborted) {
        failure ??= { error: signal.reason };
        return;
      }
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
}
