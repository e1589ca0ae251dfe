import { frenchDateToIso, isIsoDate, readCalendarDate } from './calendar-date';

describe('isIsoDate', () => {
  it.each(['2024-02-29', '2025-12-31', '1900-01-01', '0099-03-01'])('accepts the real day %s', (d) => {
    expect(isIsoDate(d)).toBe(true);
  });

  it.each(['2024-02-31', '2023-02-29', '2025-04-31', '2025-13-01', '2025-00-10', '2025-01-00', '1900-02-29', '0000-01-01'])(
    'refuses %s, a day that does not exist',
    (d) => {
      expect(isIsoDate(d)).toBe(false);
    },
  );

  it('refuses another shape, a date-time and a non-string', () => {
    for (const v of ['2025-1-01', '20250101', '2025-01-01T00:00:00Z', ' 2025-01-01', '14/03/2025', '']) expect(isIsoDate(v)).toBe(false);
    expect(isIsoDate(undefined)).toBe(false);
    expect(isIsoDate(20250101)).toBe(false);
  });

  it('is stricter than Date.parse, which the old checks relied on', () => {
    expect(Number.isNaN(Date.parse('2024-02-31'))).toBe(false);
    expect(isIsoDate('2024-02-31')).toBe(false);
  });
});

describe('frenchDateToIso / readCalendarDate', () => {
  it('turns DD/MM/YYYY into YYYY-MM-DD', () => {
    expect(frenchDateToIso('14/03/2025')).toBe('2025-03-14');
    expect(frenchDateToIso('29/02/2024')).toBe('2024-02-29');
  });

  it('refuses a French date that does not exist or is written otherwise', () => {
    expect(frenchDateToIso('31/02/2024')).toBeUndefined();
    expect(frenchDateToIso('03/14/2025')).toBeUndefined();
    expect(frenchDateToIso('1/3/2025')).toBeUndefined();
    expect(frenchDateToIso('2025-03-14')).toBeUndefined();
  });

  it('reads either form, and nothing else', () => {
    expect(readCalendarDate('2025-03-14')).toBe('2025-03-14');
    expect(readCalendarDate('14/03/2025')).toBe('2025-03-14');
    expect(readCalendarDate('2025-02-30')).toBeUndefined();
    expect(readCalendarDate('14.03.2025')).toBeUndefined();
  });
});
