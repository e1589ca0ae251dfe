/**
 * Every configured certificate is checked at boot, by role, in one error (the CDRi mutual-TLS client certificate was
 * never checked, and only the seal was watched); /health reuses its insurer check instead of calling the insurer on
 * every request. Real gateway processes; the certificates come from the throwaway test PKI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayProcess, type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { getTestPki } from '../support/test-pki';

describe('configured certificates and the cost of /health', () => {
  const pki = getTestPki();
  let dir: string;

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'certificates-health-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start when any configured certificate is expired or of the wrong purpose, naming each role', async () => {
    const recipientFile = join(dir, 'cpam-75.pem');
    writeFileSync(recipientFile, pki.seal.certPem + pki.seal.chainPem); // a seal: no keyEncipherment
    const gateway = new GatewayProcess({
      // Production mode; nothing is reached: the check runs before the database is opened.
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      CDRI_ENDPOINT: 'https://127.0.0.1:9/ws',
      CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
      CDRI_TLS_CERT_FILE: pki.seal.certPath, // a seal presented as the ORG AUTH_CLI client certificate
      CDRI_TLS_KEY_FILE: pki.seal.keyPath,
      HTTP_TLS_CERT_FILE: pki.tlsClient.certPath, // clientAuth only, as a server certificate
      HTTP_TLS_KEY_FILE: pki.tlsClient.keyPath,
      MLLP_TLS_CERT_FILE: pki.expired.certPath,
      MLLP_TLS_KEY_FILE: pki.expired.keyPath,
      SIGNING_SEAL_P12_FILE: pki.notYetValid.p12Path,
      SIGNING_SEAL_P12_PASSWORD: pki.p12Password,
      SIGNING_TRUST_STORE_FILE: pki.trustStorePath,
      TRANSMISSION_RECIPIENT_CERTS: `cpam-75:${recipientFile}`,
      TRANSMISSION_SPOOL_DIR: dir,
      HTTP_PORT: '0',
      MLLP_PORT: '0',
    });
    await expect(gateway.start()).rejects.toThrow(/exited with 2 before starting/);
    const output = gateway.logs.join('');
    expect(output).toContain('Invalid configuration (5 problems)');
    expect(output).toMatch(
      /- cdri-client: certificate "CH TEST ORG SIGN" .* cannot be used as tls-client: extendedKeyUsage lacks clientAuth/,
    );
    expect(output).toMatch(/- http-server: .* cannot be used as tls-server: extendedKeyUsage lacks serverAuth/);
    expect(output).toMatch(/- mllp-server: .* expired on/);
    expect(output).toMatch(/- seal: .* is not valid before/);
    expect(output).toMatch(/- recipient:cpam-75: .* cannot be used as encryption-recipient: keyUsage lacks keyEncipherment/);
    expect(output).not.toContain(pki.p12Password);
  });

  describe('running', () => {
    let fx: GatewayFixture;
    beforeAll(async () => {
      fx = await startGatewayFixture({
        env: {
          HEALTH_INSURER_PROBE_TTL_MS: '600000',
          MLLP_TLS_CERT_FILE: pki.expiringSoon.certPath, // no extKeyUsage: tolerated for the hospital's own PKI
          MLLP_TLS_KEY_FILE: pki.expiringSoon.keyPath,
        },
      });
    });
    afterAll(async () => fx?.close());

    it('watches every configured certificate by role: /health degraded within the warning window, days left by role', async () => {
      const health = (await (await fetch(`${fx.gateway.baseUrl}/health`, { headers: headersAs('operator') })).json()) as any;
      expect(health.checks.certificates).toEqual({
        status: 'degraded',
        detail: expect.stringMatching(/^mllp-server: expires in 1?\d days$/),
      });
      const metrics = await (await fetch(`${fx.gateway.baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
      expect(metrics).toMatch(/passerelle_certificate_days_left\{certificate="mllp-server"\} 1?\d\n/);
      // The label is the configured role, never the certificate's subject.
      expect(metrics).not.toContain('CH TEST ORG SIGN');
    });

    it('asks the insurer once for many /health calls (cached per probe TTL, concurrent calls share one check)', async () => {
      const before = fx.simulator.stats().pings;
      await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${fx.gateway.baseUrl}/health`, { headers: headersAs('operator') }).then((r) => r.json())),
      );
      for (let i = 0; i < 20; i++) await (await fetch(`${fx.gateway.baseUrl}/health`, { headers: headersAs('operator') })).json();
      expect(fx.simulator.stats().pings - before).toBeLessThanOrEqual(1);
    });
  });
});
