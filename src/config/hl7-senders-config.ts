import { isIP } from 'node:net';
import type { ConfigReader } from './config-readers';

/** Where a sender's connection must come from: an address, a network, or a TLS client certificate. */
export type Hl7SenderSource =
  { kind: 'network'; address: string; prefix: number; family: 'ipv4' | 'ipv6' } | { kind: 'certificate'; sha256: string };

/**
 * One known MLLP sender (HL7_SENDERS entry): its MSH-3.1 / MSH-4.1 (`*` = any), where it connects from, how strictly
 * its messages are validated, and what it gets when we cannot store a message.
 */
export interface Hl7SenderRule {
  application: string;
  facility: string;
  source: Hl7SenderSource;
  /** declared: PAM FR rules when MSH-12 says 2.5^FRA^…, HL7 v2 rules otherwise; strict/lenient force one. */
  mode: 'declared' | 'strict' | 'lenient';
  /** Transient storage failure: close the connection unanswered (the sender resends) or answer AE. */
  onStorageFailure: 'close' | 'AE';
  /** The entry as written, for boot logs (no secret in it). */
  text: string;
}

/** IPv4-mapped IPv6 (::ffff:10.1.2.3) is the IPv4 address: a dual-stack listener reports IPv4 peers that way. */
export function normaliseAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address.toLowerCase();
}

function parseSource(text: string): Hl7SenderSource | string {
  if (/^sha256:/i.test(text)) {
    const hex = text.slice(7).replace(/:/g, '').toUpperCase();
    return /^[0-9A-F]{64}$/.test(hex)
      ? { kind: 'certificate', sha256: hex }
      : 'sha256: needs the 64 hex digits of the certificate fingerprint';
  }
  const slash = text.indexOf('/');
  const address = normaliseAddress(slash === -1 ? text : text.slice(0, slash));
  const version = isIP(address);
  if (version === 0) return 'source must be an IP address, a CIDR network or sha256:<client certificate fingerprint>';
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) return `network prefix must be 0..${max}`;
  return { kind: 'network', address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * HL7_SENDERS: `APP^FACILITY@source[;mode=strict|lenient][;storage=close|ae]`, comma-separated. APP and FACILITY are
 * MSH-3.1 and MSH-4.1 as sent (`*` = any); source is `127.0.0.1`, `10.1.0.0/16`, `::1`, `fd00::/8`, or
 * `sha256:AB:CD:…` (fingerprint of the client certificate on the MLLP TLS listener). One source per entry: repeat
 * the entry for a sender with two addresses.
 */
export function readHl7Senders(r: ConfigReader): Hl7SenderRule[] {
  const raw = r.optionalString('HL7_SENDERS');
  if (raw === undefined) return [];
  const rules: Hl7SenderRule[] = [];
  for (const text of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const bad = (why: string): void => r.check(false, `HL7_SENDERS: entry "${text}": ${why}`);
    const [head, ...options] = text.split(';').map((s) => s.trim());
    const at = head.lastIndexOf('@');
    const caret = head.indexOf('^');
    if (at <= 0 || caret <= 0 || caret >= at - 1) {
      bad('expected APP^FACILITY@source');
      continue;
    }
    const application = head.slice(0, caret);
    const facility = head.slice(caret + 1, at);
    const source = parseSource(head.slice(at + 1));
    if (typeof source === 'string') {
      bad(source);
      continue;
    }
    let mode: Hl7SenderRule['mode'] = 'declared';
    let onStorageFailure: Hl7SenderRule['onStorageFailure'] = 'close';
    for (const o of options) {
      const [k, v = ''] = o.split('=').map((s) => s.trim().toLowerCase());
      if (k === 'mode' && (v === 'strict' || v === 'lenient' || v === 'declared')) mode = v;
      else if (k === 'storage' && (v === 'close' || v === 'ae')) onStorageFailure = v === 'ae' ? 'AE' : 'close';
      else bad(`unknown option "${o}" (mode=strict|lenient, storage=close|ae)`);
    }
    rules.push({ application, facility, source, mode, onStorageFailure, text });
  }
  return rules;
}

/** Embedded mode without HL7_SENDERS: any MSH-3/MSH-4, from this machine only (the demo and local tries). */
export const EMBEDDED_LOOPBACK_SENDERS: readonly Hl7SenderRule[] = [
  {
    application: '*',
    facility: '*',
    source: { kind: 'network', address: '127.0.0.0', prefix: 8, family: 'ipv4' },
    mode: 'declared',
    onStorageFailure: 'close',
    text: '*^*@127.0.0.0/8',
  },
  {
    application: '*',
    facility: '*',
    source: { kind: 'network', address: '::1', prefix: 128, family: 'ipv6' },
    mode: 'declared',
    onStorageFailure: 'close',
    text: '*^*@::1',
  },
];
