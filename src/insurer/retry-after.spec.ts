import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryAfterSeconds } from './retry-after';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-14T08:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 17 ', now)).toBe(17_000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads HTTP dates (IMF-fixdate and the obsolete RFC 850 form); a past date means now', () => {
    expect(parseRetryAfter('Fri, 14 Mar 2025 08:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Friday, 14-Mar-25 08:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Fri, 14 Mar 2025 07:00:00 GMT', now)).toBe(0);
  });

  it('caps what it honours at 5 minutes, in either form', () => {
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Sat, 14 Mar 2026 08:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('300', now)).toBe(300_000);
  });

  it('ignores what is neither', () => {
    for (const v of [undefined, '', '  ', 'soon', '-1', '1.5']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up to whole seconds, never below 1', () => {
    expect(retryAfterSeconds(17_000)).toBe(17);
    expect(retryAfterSeconds(1_200)).toBe(2);
    expect(retryAfterSeconds(0)).toBe(1);
  });
});
