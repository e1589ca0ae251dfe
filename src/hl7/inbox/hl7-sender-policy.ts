import { BlockList, isIPv4 } from 'node:net';
import { type Hl7SenderRule, normaliseAddress } from '../../config/hl7-senders-config';
import { type MllpFrameMeta } from '../mllp/mllp-server';

export type SenderDecision =
  | { ok: true; rule: Hl7SenderRule }
  /** unknown: no entry names this MSH-3/MSH-4; source: entries do, but not from this address/certificate. */
  | { ok: false; reason: 'unknown' | 'source' };

interface CompiledRule {
  rule: Hl7SenderRule;
  matchesSource: (meta: MllpFrameMeta) => boolean;
}

/**
 * Who may send HL7 here (HL7_SENDERS): MSH-3.1/MSH-4.1 bound to a source address/network or a verified TLS client
 * certificate. Deny by default: no entry, no message. The first matching entry decides the sender's options.
 */
export class Hl7SenderPolicy {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly Hl7SenderRule[]) {
    this.rules = rules.map((rule) => ({ rule, matchesSource: compileSource(rule) }));
  }

  /** Is the connection's source named by any entry at all? (Frames from elsewhere are not even stored.) */
  knownSource(meta: MllpFrameMeta): boolean {
    return this.rules.some((r) => r.matchesSource(meta));
  }

  identify(application: string, facility: string, meta: MllpFrameMeta): SenderDecision {
    let named = false;
    for (const r of this.rules) {
      if (!matches(r.rule.application, application) || !matches(r.rule.facility, facility)) continue;
      named = true;
      if (r.matchesSource(meta)) return { ok: true, rule: r.rule };
    }
    return { ok: false, reason: named ? 'source' : 'unknown' };
  }

  /** The first entry naming this MSH-3/MSH-4, whatever its source: for replays of stored messages (no connection). */
  identifyByName(application: string, facility: string): SenderDecision {
    const r = this.rules.find((x) => matches(x.rule.application, application) && matches(x.rule.facility, facility));
    return r ? { ok: true, rule: r.rule } : { ok: false, reason: 'unknown' };
  }
}

function matches(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

function compileSource(rule: Hl7SenderRule): (meta: MllpFrameMeta) => boolean {
  const src = rule.source;
  if (src.kind === 'certificate') {
    // Only a certificate the TLS layer verified against MLLP_TLS_CA_FILE counts.
    return (meta) => meta.authorized === true && meta.peerFingerprint256?.replace(/:/g, '').toUpperCase() === src.sha256;
  }
  const list = new BlockList();
  list.addSubnet(src.address, src.prefix, src.family);
  return (meta) => {
    const address = normaliseAddress(meta.remoteAddress);
    try {
      return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
    } catch {
      return false; // not an IP address at all ('unknown' when the socket closed early)
    }
  };
}
