import { assertValidLot } from '../channels/transmission-channel';
import { idempotencyKeyOf, isSafeToken, safeToken } from './transmission-naming';

describe('transmission naming', () => {
  it('keeps safe values as they are', () => {
    expect(idempotencyKeyOf('b2', 'LOT-2025-0001', 'cpam-75')).toBe('b2-LOT-2025-0001-cpam-75');
  });

  it('sanitises unsafe values into tokens the channels accept, without merging different lots', () => {
    const slash = idempotencyKeyOf('b2', 'LOT/1', 'cpam 75');
    const underscore = idempotencyKeyOf('b2', 'LOT_1', 'cpam_75');
    expect(slash).toMatch(/^b2-LOT_1-cpam_75_h[0-9a-f]{12}$/);
    expect(underscore).toBe('b2-LOT_1-cpam_75');
    expect(slash).not.toBe(underscore);
    for (const raw of ['../../etc/passwd', '.hidden', 'a\r\nBcc: x@y', 'é'.repeat(300), '']) {
      const token = safeToken(raw);
      expect(isSafeToken(token)).toBe(true);
      expect(() =>
        assertValidLot({
          lotId: token,
          attemptId: 'a1',
          idempotencyKey: token,
          fileName: 'f.p7m',
          content: Buffer.alloc(1),
          contentType: 'x/y',
          recipient: '',
        }),
      ).not.toThrow();
    }
  });
});
