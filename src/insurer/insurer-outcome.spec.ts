import { classifyHttpStatus, InsurerCallError } from './insurer-outcome';
import { failureOf } from './insurer-http-client';

describe('classifyHttpStatus', () => {
  it.each([
    [200, undefined, 'ok'],
    [204, undefined, 'ok'],
    [429, undefined, 'throttled'],
    [429, 7000, 'throttled'],
    [503, 7000, 'throttled'],
    [503, undefined, 'unavailable'],
    [500, undefined, 'unavailable'],
    [502, 7000, 'unavailable'],
    [504, undefined, 'unavailable'],
    [400, undefined, 'refused'],
    [404, undefined, 'refused'],
    [413, undefined, 'refused'],
    [301, undefined, 'refused'],
  ] as const)('HTTP %i (Retry-After %s ms) is %s', (status, retryAfterMs, outcome) => {
    expect(classifyHttpStatus(status, retryAfterMs)).toBe(outcome);
  });
});

describe('failureOf', () => {
  const answer = (status: number, retryAfterMs?: number) => ({
    status,
    contentType: 'text/plain',
    body: 'secret body 1800175056001',
    retryAfterMs,
  });

  it('keeps the Retry-After of a throttling answer, and is transient', () => {
    const err = failureOf(answer(429, 17_000));
    expect(err).toMatchObject({ outcome: 'throttled', detail: 'HTTP_429', retryAfterMs: 17_000, status: 429, transient: true });
    expect(failureOf(answer(503, 4000))).toMatchObject({ outcome: 'throttled', retryAfterMs: 4000 });
  });

  it('reads a 5xx as unavailable (transient) and a 4xx as refused (final)', () => {
    expect(failureOf(answer(502))).toMatchObject({ outcome: 'unavailable', detail: 'HTTP_502', transient: true });
    expect(failureOf(answer(403))).toMatchObject({ outcome: 'refused', detail: 'HTTP_403', transient: false });
  });

  it('never puts the answer body in the message', () => {
    for (const status of [400, 429, 500, 503]) expect(failureOf(answer(status)).message).not.toContain('1800175056001');
  });

  it('is an Error with its own name', () => {
    const err = failureOf(answer(500));
    expect(err).toBeInstanceOf(InsurerCallError);
    expect(err.name).toBe('InsurerCallError');
  });
});
