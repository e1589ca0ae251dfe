import { CertificateError } from '../signing/certificate-error';
import { InsurerHttpClient } from './insurer-http-client';
import { InsurerCallError } from './insurer-outcome';

/** The CDRi mutual-TLS certificate is checked before every call, not only at boot. */
describe('InsurerHttpClient client certificate check', () => {
  const expired = () => {
    throw new CertificateError('EXPIRED', 'certificate "CH TEST ORG AUTH_CLI" (serial 01) expired on 2026-01-01T00:00:00.000Z');
  };
  // Nothing listens there: a call that got past the check would fail differently (ECONNREFUSED).
  const client = new InsurerHttpClient({
    endpoint: 'https://127.0.0.1:9/ws',
    timeoutMs: 2000,
    tls: { cert: 'unused', key: 'unused', checkClientCertificate: expired },
  });
  afterAll(() => client.close());

  it('fails the call before connecting, as unavailable, naming the code and not the certificate', async () => {
    const err = (await client.post('<x/>', 'application/soap+xml').catch((e: unknown) => e)) as InsurerCallError;
    expect(err).toBeInstanceOf(InsurerCallError);
    expect(err).toMatchObject({
      outcome: 'unavailable',
      detail: 'CLIENT_CERTIFICATE',
      message: 'our client certificate cannot be used (EXPIRED)',
    });
  });

  it('reports the insurer as not reachable in /health', async () => {
    expect(await client.ping()).toBe(false);
  });
});
