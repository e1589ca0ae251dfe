/**
 * Splits an RSF byte stream into lines without holding more than one line: a month of a big hospital is ~100 MB.
 *
 * Encoding: ATIH tools historically write ISO-8859-1, newer GAP exports UTF-8, and a file says neither. Each line is
 * decoded as UTF-8 when it is valid UTF-8, else as ISO-8859-1 (where every byte is a character). Positions are then
 * counted in characters, as the format does. An ASCII line reads the same both ways; ISO-8859-1 accented text is
 * almost never valid UTF-8, so the guess is safe in practice. A UTF-8 byte order mark at the start is dropped.
 * Lines end with LF or CRLF; empty lines (a trailing one, typically) are skipped.
 */
const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface RsfRawLine {
  /** 1-based, counting every line of the file (empty ones too), so that numbers match an editor's. */
  readonly number: number;
  readonly text: string;
  /** The line was longer than maxBytes: `text` holds its first maxBytes bytes only. */
  readonly truncated: boolean;
}

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * Lines of `source` (Buffers or strings — a string chunk is taken as UTF-8). A line longer than `maxBytes` is cut
 * there and flagged, its remaining bytes skipped up to the next end of line, so memory stays bounded whatever the
 * input.
 */
export async function* rsfLines(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<RsfRawLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let truncated = false;
  let number = 0;
  const finish = (): RsfRawLine | undefined => {
    number++;
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, held);
    parts = [];
    held = 0;
    const cut = truncated;
    truncated = false;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length === 0 && !cut) return undefined;
    let text = decode(bytes);
    if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { number, text, truncated: cut };
  };
  const keep = (chunk: Buffer): void => {
    const room = maxBytes + 1 - held; // one more byte than allowed, so that a CR before LF is not mistaken for excess
    if (chunk.length > room) truncated = true;
    const taken = chunk.length > room ? chunk.subarray(0, Math.max(room, 0)) : chunk;
    if (taken.length > 0) {
      parts.push(taken);
      held += taken.length;
    }
  };
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    for (let at = buf.indexOf(LF, from); at >= 0; at = buf.indexOf(LF, from)) {
      keep(buf.subarray(from, at));
      const line = finish();
      if (line !== undefined) yield line;
      from = at + 1;
    }
    if (from < buf.length) keep(buf.subarray(from));
  }
  if (held > 0 || truncated) {
    const line = finish();
    if (line !== undefined) yield line;
  }
}
