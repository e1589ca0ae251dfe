/**
 * Identifiers that leave Passerelle with a lot (idempotency key, lot id) end up in SMTP headers and remote file
 * names, where the channels accept only safe tokens (see assertValidLot). Business values are free text, so they
 * are mapped to tokens here — without ever letting two different lots share a key: a value that had to be changed
 * gets a digest of the original appended, so "a/b" and "a_b" stay distinct.
 */
import { createHash } from 'node:crypto';

const SAFE_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_TOKEN = 200;

/** Whether `value` can be used as-is as a channel identifier or file name. */
export function isSafeToken(value: string): boolean {
  return SAFE_TOKEN.test(value) && !value.includes('..');
}

/** `value` itself when already safe, otherwise a sanitised form suffixed with a digest of the original. */
export function safeToken(value: string): string {
  if (isSafeToken(value)) return value;
  const digest = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12);
  const cleaned = value
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '');
  const head = cleaned.slice(0, MAX_TOKEN - digest.length - 3);
  return `${head || 'x'}_h${digest}`;
}

/** Stable per (flow, lot, recipient): the same lot prepared twice for the same insurer is the same transmission. */
export function idempotencyKeyOf(flow: string, lotRef: string, recipientId: string): string {
  return safeToken(`${flow}-${lotRef}-${recipientId}`);
}
