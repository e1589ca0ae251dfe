/**
 * Builds the single-part S/MIME-style message that carries one encrypted lot (one logical file per physical file,
 * hence one lot per message, never a multipart with several lots).
 *
 * The body is the CMS bytes, base64 in 76-char lines, produced as a stream by nodemailer's own MIME node, so a
 * large lot given as a file path is never held whole in memory.
 */
import MimeNode from 'nodemailer/lib/mime-node';
import { type Readable } from 'node:stream';
import { type OutgoingLot } from './transmission-channel';

/** Header names, in the exact casing we emit (MIME node would otherwise turn `-Id` into `-ID`). */
export const LOT_HEADERS = {
  lotId: 'X-Passerelle-Lot-Id',
  idempotencyKey: 'X-Passerelle-Idempotency-Key',
  attemptId: 'X-Passerelle-Attempt-Id',
  contentSha256: 'X-Passerelle-Content-SHA256',
} as const;

/** What goes into the message besides the lot itself. */
export interface LotMessageParams {
  from: string;
  messageIdDomain: string;
  contentSha256: string;
  date: Date;
}

/** Message-ID of one attempt: unique per attempt so that each attempt can be traced in the receiver's logs. */
export function lotMessageId(attemptId: string, domain: string): string {
  return `<${attemptId}@${domain}>`;
}

/**
 * The message as a stream of RFC 5322 bytes, ready for nodemailer's `raw` option.
 * Identifiers were validated as safe tokens (assertValidLot), so no header value can carry CR/LF or quotes.
 */
export function buildLotMessage(lot: OutgoingLot, p: LotMessageParams): Readable {
  const exactCase = new Map<string, string>([...Object.values(LOT_HEADERS), 'Message-ID', 'MIME-Version'].map((h) => [h.toLowerCase(), h]));
  const node = new MimeNode(`${lot.contentType}; name=${lot.fileName}`, {
    normalizeHeaderKey: (key: string) => exactCase.get(key.toLowerCase()) ?? key,
  });
  node.setHeader({
    From: p.from,
    To: lot.recipient,
    Subject: `Lot ${lot.lotId}`,
    Date: p.date.toUTCString(),
    'Message-ID': lotMessageId(lot.attemptId, p.messageIdDomain),
    'Content-Disposition': `attachment; filename=${lot.fileName}`,
    'Content-Transfer-Encoding': 'base64',
    [LOT_HEADERS.lotId]: lot.lotId,
    [LOT_HEADERS.idempotencyKey]: lot.idempotencyKey,
    [LOT_HEADERS.attemptId]: lot.attemptId,
    [LOT_HEADERS.contentSha256]: p.contentSha256,
  });
  node.setContent(Buffer.isBuffer(lot.content) ? lot.content : { path: lot.content.path });
  return node.createReadStream();
}
