import { createHash } from 'node:crypto';
import type { GatewayError } from '../common/gateway-error';
import { Authenticator } from './authenticator';
import type { AccessSettings } from './clients';

const digest = (key: string) => createHash('sha256').update(key).digest();
const KIOSK_KEY = 'kiosk-key-0123456789abcdef-0123456789';
const OPS_KEY = 'ops-key-0123456789abcdef-0123456789ab';

describe('Authenticator', () => {
  const settings: AccessSettings = {
    apiKeys: [
      { id: 'borne-a', digest: digest(KIOSK_KEY), roles: ['kiosk'], finess: ['010000024'] },
      { id: 'ops', digest: digest(OPS_KEY), roles: ['operator', 'metrics'], finess: [] },
    ],
    certificates: [],
    establishmentFiness: '010000024',
    ratePerMinute: 60,
    burst: 10,
  };
  const auth = new Authenticator(settings);
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: GatewayError) => e.code,
    );

  it('turns an API key (X-API-Key or Bearer) into its client, roles and FINESS', async () => {
    await expect(auth.authenticate({ headers: { 'x-api-key': KIOSK_KEY } })).resolves.toEqual({
      clientId: 'borne-a',
      roles: ['kiosk'],
      finess: ['010000024'],
      via: 'api-key',
    });
    await expect(auth.authenticate({ headers: { authorization: `Bearer ${OPS_KEY}` } })).resolves.toMatchObject({
      clientId: 'ops',
      roles: ['operator', 'metrics'],
    });
  });

  it('returns nobody without credentials, and refuses (401) an unknown key or another scheme', async () => {
    await expect(auth.authenticate({ headers: {} })).resolves.toBeUndefined();
    expect(await code(auth.authenticate({ headers: { 'x-api-key': `${KIOSK_KEY}x` } }))).toBe('UNAUTHENTICATED');
    expect(await code(auth.authenticate({ headers: { authorization: 'Basic Ym9ybmU6a2V5' } }))).toBe('UNAUTHENTICATED');
    // The demo key is a configured client like any other: absent from the list (production), it is refused.
    expect(await code(auth.authenticate({ headers: { 'x-api-key': 'demo-kiosk-key-embedded-only' } }))).toBe('UNAUTHENTICATED');
  });

  it('without OIDC configured, a JWT-shaped bearer is just an unknown API key', async () => {
    expect(await code(auth.authenticate({ headers: { authorization: 'Bearer aaa.bbb.ccc' } }))).toBe('UNAUTHENTICATED');
  });
});
