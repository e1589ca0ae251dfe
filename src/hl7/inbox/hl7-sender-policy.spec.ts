import { ConfigReader } from '../../config/config-readers';
import { readHl7Senders } from '../../config/hl7-senders-config';
import { Hl7SenderPolicy } from './hl7-sender-policy';

function senders(value: string): { policy: Hl7SenderPolicy; errors: string[] } {
  const r = new ConfigReader({ HL7_SENDERS: value }, {});
  const rules = readHl7Senders(r);
  return { policy: new Hl7SenderPolicy(rules), errors: r.errors };
}

const FP = 'AB:'.repeat(31) + 'AB';
const at = (remoteAddress: string, extra: Record<string, unknown> = {}) => ({ remoteAddress, socketId: 's', ...extra });

describe('HL7_SENDERS and the sender policy', () => {
  it('binds MSH-3/MSH-4 to an address, a CIDR (v4, v6, IPv4-mapped) or a client certificate', () => {
    const { policy, errors } = senders(
      `GAP^990000010@127.0.0.1, LAB^HOSP@10.1.0.0/16;mode=lenient;storage=ae, V6^X@fd00::/8, TLS^Y@sha256:${FP}`,
    );
    expect(errors).toEqual([]);
    expect(policy.identify('GAP', '990000010', at('127.0.0.1'))).toMatchObject({ ok: true });
    expect(policy.identify('GAP', '990000010', at('::ffff:127.0.0.1'))).toMatchObject({ ok: true });
    expect(policy.identify('GAP', '990000010', at('127.0.0.2'))).toEqual({ ok: false, reason: 'source' });
    const lab = policy.identify('LAB', 'HOSP', at('::ffff:10.1.200.3'));
    expect(lab).toMatchObject({ ok: true, rule: { mode: 'lenient', onStorageFailure: 'AE' } });
    expect(policy.identify('LAB', 'HOSP', at('10.2.0.1'))).toEqual({ ok: false, reason: 'source' });
    expect(policy.identify('V6', 'X', at('fd00::1234'))).toMatchObject({ ok: true });
    expect(policy.identify('V6', 'X', at('fe80::1'))).toEqual({ ok: false, reason: 'source' });
    expect(policy.identify('TLS', 'Y', at('192.0.2.1', { authorized: true, peerFingerprint256: FP }))).toMatchObject({ ok: true });
    expect(policy.identify('TLS', 'Y', at('192.0.2.1', { authorized: false, peerFingerprint256: FP }))).toMatchObject({ ok: false });
    expect(policy.identify('TLS', 'Y', at('192.0.2.1'))).toMatchObject({ ok: false });
    expect(policy.identify('OTHER', 'HOSP', at('10.1.0.1'))).toEqual({ ok: false, reason: 'unknown' });
    expect(policy.identify('GAP', 'OTHER', at('127.0.0.1'))).toEqual({ ok: false, reason: 'unknown' });
    expect(policy.knownSource(at('10.1.3.4'))).toBe(true);
    expect(policy.knownSource(at('192.0.2.9'))).toBe(false);
  });

  it("identifies a replayed (stored) message by MSH-3/MSH-4 alone, with its entry's options; a sender no longer listed stays unknown", () => {
    const { policy } = senders('GAP^990000010@127.0.0.1;mode=strict, LAB^HOSP@10.1.0.0/16');
    expect(policy.identifyByName('GAP', '990000010')).toMatchObject({ ok: true, rule: { mode: 'strict' } });
    expect(policy.identifyByName('LAB', 'HOSP')).toMatchObject({ ok: true });
    expect(policy.identifyByName('GONE', 'HOSP')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('accepts * for any application or facility', () => {
    const { policy } = senders('*^*@::1');
    expect(policy.identify('ANY', 'THING', at('::1'))).toMatchObject({ ok: true, rule: { mode: 'declared', onStorageFailure: 'close' } });
    expect(policy.identify('ANY', 'THING', at('127.0.0.1'))).toEqual({ ok: false, reason: 'source' });
  });

  it('lists every bad entry', () => {
    const { errors } = senders('NOCARET@1.2.3.4, A^B@300.1.1.1, A^B@10.0.0.0/33, A^B@sha256:12, A^B@1.2.3.4;mode=loose');
    expect(errors).toHaveLength(5);
    expect(errors.join('\n')).toMatch(/APP\^FACILITY@source/);
    expect(errors.join('\n')).toMatch(/prefix must be 0..32/);
    expect(errors.join('\n')).toMatch(/64 hex digits/);
    expect(errors.join('\n')).toMatch(/unknown option/);
  });
});
