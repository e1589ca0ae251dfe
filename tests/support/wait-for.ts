/** Polls until `probe` returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Spins (10 ms) until a synchronous condition holds; for counters the test itself drives. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Runs teardown steps in order, each bounded in time, and reports every failure at the end: one step that hangs
 * (a queue connection lost to a restarted server) must not keep the next ones — stopping the test servers whose
 * sockets would keep jest alive — from running.
 */
export async function teardown(steps: Array<[string, () => Promise<unknown>]>, stepTimeoutMs = 15000): Promise<void> {
  const failures: string[] = [];
  for (const [name, step] of steps) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish in ${stepTimeoutMs} ms`)), stepTimeoutMs);
    });
    try {
      await Promise.race([step(), timeout]);
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }
  if (failures.length) throw new Error(`teardown: ${failures.join('; ')}`);
}
