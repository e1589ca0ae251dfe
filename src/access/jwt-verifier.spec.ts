import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OidcSettings } from './clients';
import { JwtVerifier } from './jwt-verifier';

/**
 * The verifier against a real (local) HTTP server publishing discovery and a key set, with keys made here: the
 * algorithm allowlist, key type checks, claims, and the rate-limited refetch on an unknown kid. The end-to-end
 * case against a real OpenID Provider is tests/integration/oidc-bearer.test.ts.
 */
describe('JwtVerifier', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let keys: object[] = [];
  let jwksFetches = 0;
  let server: Server;
  let issuer = '';
  let clock = 1_800_000_000_000;

  const settings = (): OidcSettings => ({
    issuer,
    audience: 'urn:passerelle',
    rolesClaim: 'roles',
    finessClaim: 'finess',
    algorithms: ['RS256', 'PS256', 'ES256'],
    clockSkewSeconds: 30,
  });

  beforeAll(async () => {
    keys = [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
    ];
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      else {
        jwksFetches++;
        res.end(JSON.stringify({ keys }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = (extra: object = {}) => ({
    iss: issuer,
    aud: 'urn:passerelle',
    sub: 'sched',
    exp: clock / 1000 + 300,
    ...extra,
  });

  function jwt(alg: string, kid: string, key: KeyObject, payload: object): string {
    const input = `${b64({ alg, kid, typ: 'at+jwt' })}.${b64(payload)}`;
    const options: Parameters<typeof sign>[2] = { key };
    if (alg === 'PS256') Object.assign(options, { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    if (alg === 'ES256') Object.assign(options, { dsaEncoding: 'ieee-p1363' });
    return `${input}.${sign('sha256', Buffer.from(input), options).toString('base64url')}`;
  }

  const verifier = () => new JwtVerifier(settings(), () => clock);

  it('accepts RS256, PS256 and ES256 tokens of the issuer for the audience (a string or among several)', async () => {
    const v = verifier();
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims()))).resolves.toMatchObject({ sub: 'sched' });
    await expect(v.verify(jwt('PS256', 'rsa-1', rsa.privateKey, claims()))).resolves.toBeDefined();
    await expect(v.verify(jwt('ES256', 'ec-1', ec.privateKey, claims({ aud: ['other', 'urn:passerelle'] })))).resolves.toBeDefined();
  });

  it('refuses none, HS256 (even keyed with the public key), and a key of the wrong type for the algorithm', async () => {
    const v = verifier();
    const payload = b64(claims());
    await expect(v.verify(`${b64({ alg: 'none' })}.${payload}.`)).rejects.toThrow('signature algorithm not allowed');
    const hsInput = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${payload}`;
    const hs = createHmac('sha256', rsa.publicKey.export({ format: 'pem', type: 'spki' }))
      .update(hsInput)
      .digest('base64url');
    await expect(v.verify(`${hsInput}.${hs}`)).rejects.toThrow('signature algorithm not allowed');
    await expect(v.verify(jwt('ES256', 'rsa-1', ec.privateKey, claims()))).rejects.toThrow('unknown signing key');
  });

  it('checks exp and nbf with the clock skew, and requires exp', async () => {
    const v = verifier();
    const now = clock / 1000;
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims({ exp: now - 10 })))).resolves.toBeDefined();
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims({ exp: now - 31 })))).rejects.toThrow('expired');
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims({ nbf: now + 60 })))).rejects.toThrow('not yet valid');
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims({ exp: undefined })))).rejects.toThrow('no expiry');
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims({ iss: `${issuer}/` })))).rejects.toThrow('wrong issuer');
    await expect(v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims({ aud: 'urn:other' })))).rejects.toThrow('wrong audience');
    await expect(v.verify('a.b')).rejects.toThrow('not a JWT');
    await expect(v.verify(`${'x'.repeat(17000)}.a.b`)).rejects.toThrow('token too long');
  });

  it('fetches the keys again for an unknown kid (rotation), at most once per 30 s', async () => {
    const v = verifier();
    await v.verify(jwt('RS256', 'rsa-1', rsa.privateKey, claims()));
    const before = jwksFetches;
    keys = [...keys, { ...rotated.publicKey.export({ format: 'jwk' }), kid: 'rsa-2', use: 'sig' }];
    const token = jwt('RS256', 'rsa-2', rotated.privateKey, claims());
    // Too soon after the first fetch: a flood of unknown kids does not reach the provider.
    await expect(v.verify(token)).rejects.toThrow('unknown signing key');
    await expect(v.verify(jwt('RS256', 'forged', rotated.privateKey, claims()))).rejects.toThrow('unknown signing key');
    expect(jwksFetches).toBe(before);
    clock += 31_000;
    await expect(v.verify(jwt('RS256', 'rsa-2', rotated.privateKey, claims()))).resolves.toBeDefined();
    expect(jwksFetches).toBe(before + 1);
  });
});
