import { pgJson, pgText } from './pg-text';

describe('pgText / pgJson (values PostgreSQL text and jsonb accept)', () => {
  it('replaces NUL, keeps everything else', () => {
    expect(pgText('GAP\u0000X')).toBe('GAP\uFFFDX');
    expect(pgText('é|^~\\&')).toBe('é|^~\\&');
    expect(pgText(null)).toBeNull();
    expect(JSON.parse(pgJson({ a: 'x\u0000', b: [1, 'y\u0000'], c: null }))).toEqual({ a: 'x\uFFFD', b: [1, 'y\uFFFD'], c: null });
  });
});
