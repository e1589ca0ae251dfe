/**
 * Character sets of HL7 v2 messages (MSH-18, HL7 table 0211) mapped to byte codecs.
 *
 * Node's own latin1/utf8 codecs cover what French GAPs send in practice (PAM FR recommends
 * `8859/1` or `UNICODE UTF-8`); anything else goes through iconv-lite when it knows the charset.
 * Multi-byte encodings that are not ASCII-compatible (UTF-16/32) are refused: MSH could not even
 * be read as ASCII, which the whole "read MSH first" approach relies on.
 */
import { isUtf8 } from 'node:buffer';
import * as iconv from 'iconv-lite';

export interface CharsetCodec {
  /** Value as written in MSH-18 (normalised to upper case), or '' when MSH-18 was empty. */
  readonly hl7Name: string;
  /** Name of the codec really used ('utf8', 'latin1' or an iconv-lite name). */
  readonly codec: string;
  decode(bytes: Buffer): string;
  encode(text: string): Buffer;
}

/** Why a charset cannot be used; callers turn it into an Hl7ParseError on MSH-18. */
export class UnsupportedCharsetError extends Error {
  constructor(readonly hl7Name: string) {
    // The charset name is protocol metadata, never patient data: safe to echo (bounded and sanitised).
    super(`unsupported character set in MSH-18: "${hl7Name.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}"`);
    this.name = 'UnsupportedCharsetError';
  }
}

/** Payload declared UTF-8 whose bytes are not UTF-8 (typically a latin1 GAP that forgot MSH-18). */
export class InvalidBytesError extends Error {
  constructor(readonly hl7Name: string) {
    super(`payload bytes are not valid for the character set declared in MSH-18 (${hl7Name || 'default'})`);
    this.name = 'InvalidBytesError';
  }
}

const UTF8: CharsetCodec['codec'] = 'utf8';
const LATIN1: CharsetCodec['codec'] = 'latin1';

/** HL7 table 0211 (and common non-standard spellings) → codec name. */
const KNOWN: Readonly<Record<string, string>> = {
  'UNICODE UTF-8': UTF8,
  'UTF-8': UTF8,
  UTF8: UTF8,
  '8859/1': LATIN1,
  'ISO-8859-1': LATIN1,
  'ISO IR100': LATIN1,
  // ASCII is a subset of latin1; decoding as latin1 keeps stray 8-bit bytes instead of failing.
  ASCII: LATIN1,
  'ISO IR6': LATIN1,
  '8859/2': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  '8859/9': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
  'ISO IR14': 'shift_jis',
  'ISO IR87': 'euc-jp',
  'ISO IR159': 'euc-jp',
  'GB 18030-2000': 'gb18030',
  'KS X 1001': 'euc-kr',
  'BIG-5': 'big5',
};

/** Refused even if iconv-lite knows them: not ASCII-compatible, so MSH cannot be read first. */
const NOT_ASCII_COMPATIBLE = /^(UNICODE( UTF-(16|32))?|UTF-?(16|32)(LE|BE)?|UCS-?[24])$/;

const cache = new Map<string, CharsetCodec>();

function makeCodec(hl7Name: string, codec: string): CharsetCodec {
  if (codec === UTF8) {
    return {
      hl7Name,
      codec,
      decode: (bytes) => {
        // A latin1 payload read as UTF-8 would silently turn "é" into U+FFFD: refuse it instead.
        if (!isUtf8(bytes)) throw new InvalidBytesError(hl7Name);
        return bytes.toString('utf8');
      },
      encode: (text) => Buffer.from(text, 'utf8'),
    };
  }
  if (codec === LATIN1) {
    return { hl7Name, codec, decode: (b) => b.toString('latin1'), encode: (t) => Buffer.from(t, 'latin1') };
  }
  return { hl7Name, codec, decode: (b) => iconv.decode(b, codec), encode: (t) => iconv.encode(t, codec) };
}

/**
 * Codec for an MSH-18 value. `declared` empty/undefined → `defaultCharset` (itself an MSH-18 style name).
 * Throws UnsupportedCharsetError for unknown or ASCII-incompatible charsets.
 */
let last: { declared: string | undefined; defaultCharset: string; codec: CharsetCodec } | undefined;

export function resolveCharset(declared: string | undefined, defaultCharset = 'UNICODE UTF-8'): CharsetCodec {
  // One interface sends one charset: remembering the last answer skips the normalisation on the hot path.
  if (last !== undefined && last.declared === declared && last.defaultCharset === defaultCharset) return last.codec;
  const codec = resolveUncached(declared, defaultCharset);
  last = { declared, defaultCharset, codec };
  return codec;
}

function resolveUncached(declared: string | undefined, defaultCharset: string): CharsetCodec {
  const raw = (declared ?? '').trim();
  const name = (raw === '' ? defaultCharset : raw).toUpperCase();
  const key = raw === '' ? `default:${name}` : name;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (NOT_ASCII_COMPATIBLE.test(name)) throw new UnsupportedCharsetError(name);
  let codec = KNOWN[name];
  if (codec === undefined) {
    if (!iconv.encodingExists(name)) throw new UnsupportedCharsetError(name);
    codec = name.toLowerCase();
  }
  const made = makeCodec(raw === '' ? '' : name, codec);
  // The cache is bounded by the number of distinct charset names seen, which iconv-lite limits.
  cache.set(key, made);
  return made;
}
