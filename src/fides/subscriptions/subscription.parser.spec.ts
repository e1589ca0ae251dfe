import { GatewayError } from '../../common/gateway-error';
import { parseCriteria, parseEndpoint, parseSubscription } from './subscription.parser';

const ID = '0b8f6a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const valid = (over: Record<string, unknown> = {}, channel: Record<string, unknown> = {}) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'follow',
  criteria: 'ClaimResponse',
  channel: { type: 'rest-hook', endpoint: 'https://gap.example.org/fhir', payload: 'application/fhir+json', ...channel },
  ...over,
});

function errorOf(fn: () => unknown): { code: string; field?: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected a GatewayError');
}

describe('parseSubscription', () => {
  it('reads a rest-hook on ClaimResponse: requested becomes active, headers split', () => {
    expect(parseSubscription(valid({}, { header: ['Authorization: Bearer abc:def'] }))).toEqual({
      status: 'active',
      reason: 'follow',
      criteria: 'ClaimResponse',
      requestInvoiceId: undefined,
      outcome: undefined,
      endpoint: 'https://gap.example.org/fhir',
      payload: 'application/fhir+json',
      headers: [{ name: 'Authorization', value: 'Bearer abc:def' }],
    });
    const empty = parseSubscription(valid({ status: 'off' }, { payload: undefined }));
    expect(empty.status).toBe('off');
    expect(empty).not.toHaveProperty('payload');
  });

  it('normalises the criteria parameters and refuses the ones it does not serve', () => {
    expect(parseCriteria(`ClaimResponse?outcome=error&request=Claim/${ID.toUpperCase()}`)).toEqual({
      criteria: `ClaimResponse?request=Claim/${ID}&outcome=error`,
      requestInvoiceId: ID,
      outcome: 'error',
    });
    expect(errorOf(() => parseCriteria('Claim'))).toMatchObject({ code: 'BUSINESS_RULE', field: 'Subscription.criteria' });
    expect(errorOf(() => parseCriteria('ClaimResponse?patient=1'))).toMatchObject({ code: 'BUSINESS_RULE' });
    expect(errorOf(() => parseCriteria('ClaimResponse?outcome=paid'))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(errorOf(() => parseCriteria('ClaimResponse?outcome=error&outcome=queued'))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(errorOf(() => parseCriteria('ClaimResponse?request=Patient/1'))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('accepts https anywhere and plain http on the loopback only, never credentials in the URL', () => {
    expect(parseEndpoint('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/hook');
    expect(parseEndpoint('http://localhost/hook')).toBe('http://localhost/hook');
    expect(parseEndpoint('http://[::1]:9/x')).toBe('http://[::1]:9/x');
    for (const bad of ['http://10.0.0.1/hook', 'http://127.0.0.1.example.org/', 'ftp://127.0.0.1/'])
      expect(errorOf(() => parseEndpoint(bad))).toMatchObject({ code: 'BUSINESS_RULE', field: 'Subscription.channel.endpoint' });
    const cred = errorOf(() => parseEndpoint('https://user:secret@gap.example.org/'));
    expect(cred).toMatchObject({ code: 'INVALID_INPUT' });
    expect(cred.message).not.toContain('secret');
  });

  it('refuses other channels, payloads, reserved or malformed headers, server-only statuses, naming the field', () => {
    const cases: Array<[unknown, string, string]> = [
      [valid({}, { type: 'email' }), 'BUSINESS_RULE', 'Subscription.channel.type'],
      [valid({}, { payload: 'application/json' }), 'BUSINESS_RULE', 'Subscription.channel.payload'],
      [valid({}, { header: ['Content-Type: text/plain'] }), 'BUSINESS_RULE', 'Subscription.channel.header[0]'],
      [valid({}, { header: ['X-A: 1', 'x-a: 2'] }), 'INVALID_INPUT', 'Subscription.channel.header[1]'],
      [valid({}, { header: ['X-A: 1\r\nX-B: 2'] }), 'INVALID_INPUT', 'Subscription.channel.header[0]'],
      [valid({}, { header: 'X-A: 1' }), 'INVALID_INPUT', 'Subscription.channel.header'],
      [valid({ status: 'error' }), 'BUSINESS_RULE', 'Subscription.status'],
      [valid({ reason: ' ' }), 'INVALID_INPUT', 'Subscription.reason'],
      [valid({ end: '2026-13-01' }), 'INVALID_INPUT', 'Subscription.end'],
      [valid({ channel: undefined }), 'INVALID_INPUT', 'Subscription.channel'],
      [valid({ id: 'other' }), 'INVALID_INPUT', 'Subscription.id'],
    ];
    for (const [body, code, field] of cases)
      expect([field, errorOf(() => parseSubscription(body, ID))]).toEqual([field, expect.objectContaining({ code, field })]);
  });
});
