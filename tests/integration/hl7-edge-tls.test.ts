import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-process';
import { buildA01 } from '../support/hl7-samples';
import { ackSummary } from '../support/mllp-raw';
import { type ThrowawayCertificate, writeThrowawayCertificate } from '../support/transport/throwaway-certificate';

/**
 * A sender bound to its TLS client certificate (HL7_SENDERS `APP^FACILITY@sha256:<fingerprint>`) on a gateway whose
 * MLLP listener runs mutual TLS: the right certificate is accepted; another certificate the CA trusts just as well,
 * sending the same MSH-3/MSH-4, is refused AR.
 */
describe('HL7 senders bound to a client certificate (MLLP over mutual TLS)', () => {
  let dir: string;
  let fx: GatewayFixture;
  let server: ThrowawayCertificate;
  let gap: ThrowawayCertificate;
  let other: ThrowawayCertificate;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hl7-edge-tls-'));
    server = writeThrowawayCertificate(dir, 'passerelle-mllp', 'IP:127.0.0.1');
    gap = writeThrowawayCertificate(dir, 'gap-a', 'DNS:gap-a');
    other = writeThrowawayCertificate(dir, 'gap-b', 'DNS:gap-b');
    const caFile = join(dir, 'clients.crt');
    writeFileSync(caFile, Buffer.concat([gap.cert, other.cert]));
    const fingerprint = new X509Certificate(gap.cert).fingerprint256;
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        MLLP_TLS_CERT_FILE: join(dir, 'passerelle-mllp.crt'),
        MLLP_TLS_KEY_FILE: join(dir, 'passerelle-mllp.key'),
        MLLP_TLS_CA_FILE: caFile,
        MLLP_TLS_REQUEST_CLIENT_CERT: 'true',
        HL7_ALLOW_PLAINTEXT: 'false',
        HL7_SENDERS: `GAP-TEST^990000010@sha256:${fingerprint}`,
      },
    });
  });

  afterAll(async () => {
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sendAs = async (cert: ThrowawayCertificate, controlId: string) => {
    const client = new MllpClient({
      host: '127.0.0.1',
      port: fx.gateway.mllpPort,
      tls: { ca: server.cert, key: cert.key, cert: cert.cert },
    });
    try {
      return ackSummary(await client.send(buildA01({ controlId, nir: makeTestNir({ order: 170 }) })));
    } finally {
      await client.close();
    }
  };

  it('accepts the sender presenting the bound certificate', async () => {
    expect((await sendAs(gap, 'TLS-BOUND-1')).code).toBe('AA');
  });

  it('refuses the same MSH-3/MSH-4 from another trusted certificate: AR naming MSH-4', async () => {
    const got = await sendAs(other, 'TLS-OTHER-1');
    expect(got).toMatchObject({ code: 'AR', errors: ['MSH^1^4 E 207'] });
  });
});
