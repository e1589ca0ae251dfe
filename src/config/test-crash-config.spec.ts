import { ConfigError, loadConfig, readDefaults } from './load-config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, readDefaults());
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('TEST_CRASH_AT (test-only self-kill switch)', () => {
  it('is off unless set', () => {
    expect(loadConfig({}, readDefaults()).testCrashAt).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test', TEST_CRASH_AT: '' }, readDefaults()).testCrashAt).toBeUndefined();
  });

  it('names a crash point under NODE_ENV=test', () => {
    for (const point of ['lot-numbered', 'channel-sent', 'return-stored'])
      expect(loadConfig({ NODE_ENV: 'test', TEST_CRASH_AT: point }, readDefaults()).testCrashAt).toBe(point);
  });

  it('is refused outside tests, and an unknown point is refused', () => {
    expect(problems({ TEST_CRASH_AT: 'lot-numbered' })).toContainEqual(expect.stringMatching(/^TEST_CRASH_AT: a test-only switch/));
    expect(problems({ NODE_ENV: 'production', TEST_CRASH_AT: 'channel-sent' })).toContainEqual(
      expect.stringMatching(/^TEST_CRASH_AT: a test-only switch/),
    );
    expect(problems({ NODE_ENV: 'test', TEST_CRASH_AT: 'somewhere' })).toContainEqual(
      expect.stringMatching(/^TEST_CRASH_AT: must be one of/),
    );
  });
});
