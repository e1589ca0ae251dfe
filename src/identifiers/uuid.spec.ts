import { isUuid, isVersionedUuid } from './uuid';

describe('isUuid / isVersionedUuid', () => {
  const v4 = '7d3c1d2e-0000-4000-8000-000000000002';

  it('accepts canonical UUIDs in either case', () => {
    expect(isUuid(v4)).toBe(true);
    expect(isUuid(v4.toUpperCase())).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it('refuses what PostgreSQL would fail to cast, including the 36 dashes the old check let through', () => {
    for (const v of ['-'.repeat(36), `${v4}0`, v4.replace(/-/g, ''), `{${v4}}`, v4.replace('7', 'g'), '', undefined, 42]) {
      expect(isUuid(v)).toBe(false);
    }
  });

  it('asks for an RFC 9562 version and variant when versioned', () => {
    expect(isVersionedUuid(v4)).toBe(true);
    expect(isVersionedUuid('00000000-0000-0000-0000-000000000000')).toBe(false);
    expect(isVersionedUuid('7d3c1d2e-0000-4000-c000-000000000002')).toBe(false);
  });
});
