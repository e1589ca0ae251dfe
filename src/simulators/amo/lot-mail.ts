/**
 * Takes the lot out of a received message: the gateway sends one single-part message per lot (smtp-message.ts in
 * src/transport/channels), base64 body, `Content-Disposition: attachment; filename=<lotRef>.p7m`, and the lot's stable
 * `X-Passerelle-Idempotency-Key`. A multipart message is also accepted: its first part named `*.p7m` is the lot.
 * Small on purpose (no MIME library in production code): only what a lot message uses is read.
 */

export interface LotAttachment {
  readonly fileName: string;
  readonly content: Buffer;
  readonly idempotencyKey?: string;
}

type Headers = Map<string, string>;

/** Headers (unfolded, names lower-cased) and where the body starts, without copying the body. */
function splitHead(raw: Buffer, from = 0): { headers: Headers; bodyStart: number } {
  const crlf = raw.indexOf('\r\n\r\n', from);
  const lf = raw.indexOf('\n\n', from);
  let end = raw.length;
  let sepLength = 0;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) [end, sepLength] = [crlf, 4];
  else if (lf >= 0) [end, sepLength] = [lf, 2];
  const headers: Headers = new Map();
  // Unfold continuation lines (RFC 5322 §2.2.3), then one header per line.
  for (const line of raw
    .toString('latin1', from, end)
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, bodyStart: end + sepLength };
}

function param(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const m = new RegExp(`(?:^|;)\\s*${name}\\*?=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function decode(raw: Buffer, start: number, end: number, encoding: string | undefined): Buffer {
  // Node's base64 decoder skips the line breaks of the 76-character lines: no clean-up copy of a large body.
  if ((encoding ?? '7bit').toLowerCase() === 'base64') return Buffer.from(raw.toString('latin1', start, end), 'base64');
  return Buffer.from(raw.subarray(start, end));
}

function fileNameOf(headers: Headers): string | undefined {
  return param(headers.get('content-disposition'), 'filename') ?? param(headers.get('content-type'), 'name');
}

/** The lot attachment of a raw RFC 5322 message, or undefined when it carries none. */
export function lotAttachmentOf(raw: Buffer): LotAttachment | undefined {
  const { headers, bodyStart } = splitHead(raw);
  const idempotencyKey = headers.get('x-passerelle-idempotency-key');
  const boundary = param(headers.get('content-type'), 'boundary');
  if (boundary === undefined) {
    const fileName = fileNameOf(headers);
    if (fileName === undefined) return undefined;
    return { fileName, content: decode(raw, bodyStart, raw.length, headers.get('content-transfer-encoding')), idempotencyKey };
  }
  const delimiter = `--${boundary}`;
  let at = raw.indexOf(delimiter, bodyStart);
  while (at >= 0) {
    const partStart = at + delimiter.length;
    if (raw.toString('latin1', partStart, partStart + 2) === '--') break; // closing delimiter
    const next = raw.indexOf(delimiter, partStart);
    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let partEnd = next >= 0 ? next : raw.length;
    if (raw[partEnd - 1] === 0x0a) partEnd--;
    if (raw[partEnd - 1] === 0x0d) partEnd--;
    const part = splitHead(raw, raw[partStart] === 0x0d ? partStart + 2 : partStart + 1);
    const fileName = fileNameOf(part.headers);
    if (fileName?.toLowerCase().endsWith('.p7m')) {
      const content = decode(raw, part.bodyStart, partEnd, part.headers.get('content-transfer-encoding'));
      return { fileName, content, idempotencyKey };
    }
    at = next;
  }
  return undefined;
}

/**
 * The lot reference of a received file name: `<lotRef>.p7m`, or `<idempotencyKey>__<lotRef>.p7m` as the file-drop
 * channel names its files (transmission-channel.ts defaultRemoteName).
 */
export function lotRefOfFileName(fileName: string): string {
  const base = fileName.replace(/\.p7m$/i, '');
  const i = base.lastIndexOf('__');
  return i >= 0 ? base.slice(i + 2) : base;
}
