/**
 * Minimal DER writer / BER reader for the *outer* layers of CMS messages.
 *
 * Why hand-written: @peculiar/asn1-schema (through asn1js) materialises every value it parses or serialises, caps
 * parsed content at 16 MB by default, and would copy a 50 MB lot several times. Here we only write headers (tag +
 * definite length) around content we already hold, and walk received messages by offsets, handing each *small*
 * element (SignerInfo, certificate, AlgorithmIdentifier…) to @peculiar for the real decoding. The reader accepts BER
 * indefinite lengths and constructed OCTET STRINGs because `openssl cms -stream` and other senders emit them.
 */
import { CmsError } from './cms-error';

/** Universal and context tags used by the CMS structures we build and walk. */
export const Tag = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [n] IMPLICIT primitive (e.g. encryptedContent [0] of EncryptedContentInfo). */
  ctxPrimitive: (n: number): number => 0x80 | n,
  /** [n] constructed (EXPLICIT, or IMPLICIT of a constructed type). */
  ctx: (n: number): number => 0xa0 | n,
} as const;

/** Encodes a DER tag + definite length header. */
export function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

/** Encodes a whole (small) TLV; large contents should be spliced with derHeader instead. */
export function derTlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const length = contents.reduce((sum, c) => sum + c.length, 0);
  return Buffer.concat([derHeader(tag, length), ...contents]);
}

/** DER OBJECT IDENTIFIER from dotted notation. */
export function derOid(oid: string): Buffer {
  const arcs = oid.split('.').map((a) => BigInt(a));
  const body: number[] = [];
  const push = (arc: bigint): void => {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    body.push(...groups);
  };
  push(arcs[0] * 40n + arcs[1]);
  arcs.slice(2).forEach(push);
  return derTlv(Tag.OID, Buffer.from(body));
}

/** Dotted notation of the content of an OBJECT IDENTIFIER TLV. */
export function decodeOid(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (arcs.length === 0) throw new CmsError('MALFORMED', 'empty OBJECT IDENTIFIER');
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** One decoded element: offsets into the buffer it was read from (nothing is copied). */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content (before the end-of-contents octets of an indefinite length). */
  readonly contentEnd: number;
  /** Offset just past the whole element. */
  readonly end: number;
  readonly constructed: boolean;
}

// Received messages are untrusted: bound the nesting so a crafted indefinite-length bomb cannot blow the stack.
const MAX_DEPTH = 64;

/** Reads the element starting at `offset`, never past `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new CmsError('MALFORMED', 'ASN.1 nesting too deep');
  if (offset + 2 > limit) throw new CmsError('MALFORMED', `truncated ASN.1 element at offset ${offset}`);
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new CmsError('MALFORMED', `unsupported high tag number at offset ${offset}`);
  const constructed = (tag & 0x20) !== 0;
  const first = buf[offset + 1];
  let pos = offset + 2;
  if (first === 0x80) {
    if (!constructed) throw new CmsError('MALFORMED', `indefinite length on a primitive at offset ${offset}`);
    let child = pos;
    for (;;) {
      if (child + 2 > limit) throw new CmsError('MALFORMED', 'missing end-of-contents');
      if (buf[child] === 0 && buf[child + 1] === 0) break;
      child = readTlv(buf, child, limit, depth + 1).end;
    }
    return { tag, start: offset, contentStart: pos, contentEnd: child, end: child + 2, constructed };
  }
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count > 6) throw new CmsError('MALFORMED', `length too large at offset ${offset}`);
    if (pos + count > limit) throw new CmsError('MALFORMED', `truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos + i];
    pos += count;
  }
  if (pos + length > limit) throw new CmsError('MALFORMED', `element at offset ${offset} overruns its container`);
  return { tag, start: offset, contentStart: pos, contentEnd: pos + length, end: pos + length, constructed };
}

/** The direct children of a constructed element. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.contentEnd;) {
    const child = readTlv(buf, pos, parent.contentEnd);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Checks that an element is present and has the expected tag. */
export function expectTlv(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) {
    throw new CmsError('MALFORMED', `expected ${what} (tag 0x${tag.toString(16)})`);
  }
  return tlv;
}

/** Raw bytes of an element (a view, not a copy). */
export function tlvBytes(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + tlv.start, tlv.end - tlv.start);
}

/** Content bytes of a primitive element (a view, not a copy). */
export function tlvContent(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + tlv.contentStart, tlv.contentEnd - tlv.contentStart);
}

/**
 * The bytes of an OCTET STRING (or of an IMPLICIT-tagged one): one view when primitive, the list of segment views
 * when constructed (BER), so callers can hash or decrypt them without joining 50 MB.
 */
export function octetSegments(buf: Uint8Array, tlv: Tlv): Buffer[] {
  if (!tlv.constructed) return [tlvContent(buf, tlv)];
  return childrenOf(buf, tlv).flatMap((child) => {
    if ((child.tag & 0x1f) !== Tag.OCTET_STRING) throw new CmsError('MALFORMED', 'bad constructed OCTET STRING');
    return octetSegments(buf, child);
  });
}

/** Total length of a list of segments. */
export function totalLength(parts: readonly Uint8Array[]): number {
  return parts.reduce((sum, p) => sum + p.length, 0);
}
