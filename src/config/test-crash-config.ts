import { type ConfigReader } from './config-readers';

/**
 * TEST ONLY (`TEST_CRASH_AT`): the gateway SIGKILLs itself at one stage of the FIDES money path, so that the crash
 * tests (tests/integration/fides-crash-matrix.test.ts) can kill -9 a real gateway process at a precise point:
 * - `lot-numbered`: right after a lot's numbering transaction committed, before it is handed to the outbox;
 * - `channel-sent`: right after a channel accepted a transmission, before the outcome is recorded;
 * - `return-stored`: right after the returns intake stored a return raw, before the flow applies it.
 * Refused unless NODE_ENV=test: a production process never carries a self-kill switch.
 */
export const TEST_CRASH_POINTS = ['lot-numbered', 'channel-sent', 'return-stored'] as const;
export type TestCrashPoint = (typeof TEST_CRASH_POINTS)[number];

export function readTestCrashPoint(r: ConfigReader): TestCrashPoint | undefined {
  const at = r.optionalString('TEST_CRASH_AT');
  if (at === undefined || at === '') return undefined;
  r.check(r.optionalString('NODE_ENV') === 'test', 'TEST_CRASH_AT: a test-only switch, refused unless NODE_ENV=test');
  r.check((TEST_CRASH_POINTS as readonly string[]).includes(at), `TEST_CRASH_AT: must be one of ${TEST_CRASH_POINTS.join(', ')}`);
  return TEST_CRASH_POINTS.find((p) => p === at);
}
