import type { TestCrashPoint } from '../config/test-crash-config';

/**
 * TEST ONLY: the self-kill of TEST_CRASH_AT (src/config/test-crash-config.ts, refused outside NODE_ENV=test).
 * Returns undefined unless `point` is the configured one; otherwise a function that prints `TEST_CRASH <point>` on
 * stdout (so that the test knows where the process died) and SIGKILLs the process: no shutdown hook, no pending
 * write, exactly like a power cut. Its promise never resolves: nothing after the crash point may run.
 */
export function testCrashAt(configured: TestCrashPoint | undefined, point: TestCrashPoint): (() => Promise<never>) | undefined {
  if (configured !== point) return undefined;
  return () => {
    process.stdout.write(`TEST_CRASH ${point}\n`);
    process.kill(process.pid, 'SIGKILL');
    return new Promise<never>(() => undefined);
  };
}
