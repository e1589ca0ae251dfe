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

function splitHead(raw: string): { headers: Headers; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers: Headers = new Map();
  // Unfold continuation lines (RFC 5322 §2.2.3), then one header per line.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function param(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const m = new RegExp(`(?:^|;)\\s*${name}\\*?=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function decode(body: string, encoding: string | undefined): Buffer {
  const e = (encoding ?? '7bit').toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  return Buffer.from(body, 'latin1');
}

function fileNameOf(headers: Headers): string | undefined {
  return param(headers.get('content-disposition'), 'filename') ?? param(headers.get('content-type'), 'name');
}

/** The lot attachment of a raw RFC 5322 message, or undefined when it carries none. */
export function lotAttachmentOf(raw: Buffer): LotAttachment | undefined {
  const { headers, body } = splitHead(raw.toString('latin1'));
  const idempotencyKey = headers.get('x-passerelle-idempotency-key');
  const boundary = param(headers.get('content-type'), 'boundary');
  if (boundary === undefined) {
    const fileName = fileNameOf(headers);
    if (fileName === undefined) return undefined;
    return { fileName, content: decode(body, headers.get('content-transfer-encoding')), idempotencyKey };
  }
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const p = splitHead(part.replace(/^\r?\n/, ''));
    const fileName = fileNameOf(p.headers);
    if (fileName?.toLowerCase().endsWith('.p7m')) {
      return { fileName, content: decode(p.body, p.headers.get('content-transfer-encoding')), idempotencyKey };
    }
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
