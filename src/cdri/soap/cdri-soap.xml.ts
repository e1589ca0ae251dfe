/**
 * Small XML helpers for the CDRi codec: escaping for the template-string builders, strict readers for
 * the objects fast-xml-parser returns, and redaction of insurer-supplied text.
 * Kept apart so the codec file only holds the contract itself.
 */
import { XMLParser } from 'fast-xml-parser';
import { isIsoDate } from '../../identifiers';

/** A parsed element: child name → string (leaf), object (element), or array (repeated element). */
export type CdriXmlNode = Record<string, unknown>;
export type Fail = (reason: string) => Error;

// XML 1.0 forbids most C0 controls even escaped; dropping them keeps our output well-formed whatever
// a GAP or a configuration file feeds us.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  return value.replace(INVALID_XML_CHARS, '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** `<name>escaped value</name>`. */
export function el(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

/** Same as `el`, or nothing when the value is absent (optional elements are omitted, never empty). */
export function opt(name: string, value: string | undefined): string {
  return value === undefined ? '' : el(name, value);
}

/** Views any parsed value as an element; leaves and absent values become an empty element. */
export function node(value: unknown): CdriXmlNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as CdriXmlNode) : {};
}

/** Repeated elements come back as an array, a single one as a value, none as undefined. */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

export function readText(n: CdriXmlNode, name: string, fail: Fail): string;
export function readText(n: CdriXmlNode, name: string, fail: Fail, required: boolean): string | undefined;
export function readText(n: CdriXmlNode, name: string, fail: Fail, required = true): string | undefined {
  const value = n[name];
  if (value === undefined || value === '') {
    if (required) throw fail(`missing ${name}`);
    return undefined;
  }
  // A repeated or nested element where a single value is expected is a contract breach, not data.
  if (typeof value !== 'string') throw fail(`${name} must be a single text element`);
  return value;
}

export function readDate(n: CdriXmlNode, name: string, fail: Fail): string;
export function readDate(n: CdriXmlNode, name: string, fail: Fail, required: boolean): string | undefined;
export function readDate(n: CdriXmlNode, name: string, fail: Fail, required = true): string | undefined {
  const value = readText(n, name, fail, required);
  if (value !== undefined && !isIsoDate(value)) throw fail(`${name} must be a YYYY-MM-DD date`);
  return value;
}

export function readBool(n: CdriXmlNode, name: string, fail: Fail): boolean {
  const value = readText(n, name, fail);
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw fail(`${name} must be true or false`);
}

const MAX_INSURER_TEXT = 200;

/**
 * Insurer fault texts are free text and may echo what we sent. Anything that looks like a NIR
 * (long digit runs, with 2A/2B) or a date is masked, so an error message built from it is log-safe.
 */
export function redact(text: string): string {
  return text
    .replace(/[0-9]{5}(?:[0-9]{2}|2[AaBb])[0-9]{6,8}/g, '[redacted]')
    .replace(/\d{8,}/g, '[redacted]')
    .replace(/\d{4}-\d{2}-\d{2}|\d{2}\/\d{2}\/\d{4}/g, '[date]')
    .slice(0, MAX_INSURER_TEXT);
}

// Namespace prefixes are dropped: the element names are ours and unambiguous, and it spares us from
// depending on the prefixes a given insurer stack chooses. Values stay strings ("01" must not become 1).
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a SOAP envelope, or throws `onError(reason)`; never echoes the payload. */
export function parseSoapEnvelope(xml: string, onError: Fail): { header: CdriXmlNode; body: CdriXmlNode } {
  if (typeof xml !== 'string' || xml.length === 0) throw onError('empty message');
  if (/<!DOCTYPE/i.test(xml)) throw onError('DTD not allowed in SOAP 1.2');
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch {
    throw onError('not well-formed XML');
  }
  const env = node(node(doc).Envelope);
  const body = node(env.Body);
  if (!env.Body || typeof env.Body !== 'object') throw onError('not a SOAP envelope');
  return { header: node(env.Header), body };
}
