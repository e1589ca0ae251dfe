import { lastCutoff, localStamp } from './lot-clock';

describe('lot clock', () => {
  it('gives today’s cut-off once passed, else yesterday’s, in local time (summer and winter offsets)', () => {
    // 18:00 in Paris is 16:00 UTC in summer, 17:00 UTC in winter.
    expect(lastCutoff(new Date('2026-07-01T16:30:00Z'), '18:00', 'Europe/Paris').toISOString()).toBe('2026-07-01T16:00:00.000Z');
    expect(lastCutoff(new Date('2026-07-01T15:59:00Z'), '18:00', 'Europe/Paris').toISOString()).toBe('2026-06-30T16:00:00.000Z');
    expect(lastCutoff(new Date('2026-12-01T17:00:00Z'), '18:00', 'Europe/Paris').toISOString()).toBe('2026-12-01T17:00:00.000Z');
    expect(lastCutoff(new Date('2026-01-01T00:10:00Z'), '18:00', 'Europe/Paris').toISOString()).toBe('2025-12-31T17:00:00.000Z');
    // Across the spring change (29 March 2026): the day before is in winter time.
    expect(lastCutoff(new Date('2026-03-29T10:00:00Z'), '18:00', 'Europe/Paris').toISOString()).toBe('2026-03-28T17:00:00.000Z');
  });

  it('stamps the file with the local date and time', () => {
    expect(localStamp(new Date('2026-12-31T23:30:00Z'), 'Europe/Paris')).toEqual({ date: '2027-01-01', time: '0030' });
  });
});
