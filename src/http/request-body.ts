import type { IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { TextDecoder } from 'node:util';
import { BadRequestException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { RouteDoc } from './route-doc';

/**
 * Request bodies are read here, per route, AFTER authentication: the adapters parse nothing (express-edge.ts,
 * fastify-edge.ts), so an unknown route, an anonymous caller or a route that takes no body costs the gateway no
 * memory, whatever the client sends. The route declares what it takes (`@Route({ body, maxBodyBytes })`); the
 * reading stops as soon as the limit is passed.
 */

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const INVALID_JSON = 'Body is not valid JSON';

/** FHIR resources nest a dozen levels; past this a body is refused before any code walks it (no deep recursion). */
export const MAX_JSON_DEPTH = 64;

/** Content types accepted for each declared body type (as Express's json()/text()/raw() did before). */
const ACCEPTED: Record<NonNullable<RouteDoc['body']>, readonly string[]> = {
  'application/fhir+json': ['application/fhir+json', 'application/json'],
  'application/json': ['application/json', 'application/fhir+json'],
  'text/csv': ['text/csv', 'text/plain'],
  'text/plain': ['text/plain'],
  'application/octet-stream': ['application/octet-stream'],
};

export function bodyTooLarge(limitBytes: number): string {
  const size = limitBytes >= MiB ? `${Math.round(limitBytes / MiB)} MB` : `${Math.round(limitBytes / KiB)} KB`;
  return `Body is larger than the ${size} this route accepts`;
}

/** The node request behind the adapter's (Fastify wraps it in `raw`; Express's request is it). */
export function rawRequest(req: unknown): IncomingMessage {
  return ((req as { raw?: IncomingMessage }).raw ?? req) as IncomingMessage;
}

/** True when the client announced a body (a length above 0, or a chunked body). */
export function announcesBody(raw: IncomingMessage): boolean {
  return raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
}

/**
 * Checks what the client announced against what the route takes, before a byte is read: 415 for a route without a
 * body or another content type, 413 for a Content-Length over the limit.
 */
export function checkAnnouncedBody(raw: IncomingMessage, doc: RouteDoc | undefined): void {
  if (!doc?.body || !doc.maxBodyBytes) throw new UnsupportedMediaTypeException('This route takes no request body');
  const type = (raw.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!ACCEPTED[doc.body].includes(type)) throw new UnsupportedMediaTypeException(`Send the body as ${doc.body}`);
  if (Number(raw.headers['content-length'] ?? 0) > doc.maxBodyBytes) throw new PayloadTooLargeException(bodyTooLarge(doc.maxBodyBytes));
}

/**
 * Reads a body into memory up to `limitBytes`; past it, stops reading at once (the rest is left on the socket, see app/
 * unread-bodies.ts) and fails with 413.
 */
export function readBody(raw: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        raw.pause();
        reject(new PayloadTooLargeException(bodyTooLarge(limitBytes)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new BadRequestException('Client closed the connection before the body was complete'));
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('aborted', onAborted);
  });
}

/**
 * The body as a stream for handlers that write it somewhere (lot uploads → a spool file): never held in memory,
 * and the stream fails with 413 as soon as more than `limitBytes` has come.
 */
export function boundedStream(raw: IncomingMessage, limitBytes: number): Readable {
  let size = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size <= limitBytes) return done(null, chunk);
      // Stop reading without destroying the request: the 413 still has to reach the client.
      raw.unpipe(limiter);
      raw.pause();
      done(new PayloadTooLargeException(bodyTooLarge(limitBytes)));
    },
  });
  raw.on('aborted', () => limiter.destroy(new BadRequestException('Client closed the connection before the body was complete')));
  return raw.pipe(limiter);
}

/** Parses a read body as its route declared it. */
export function parseBody(kind: NonNullable<RouteDoc['body']>, body: Buffer, contentType: string | undefined): unknown {
  if (kind === 'application/octet-stream') return body;
  if (kind === 'text/csv' || kind === 'text/plain') return decodeText(body, contentType);
  const text = body.toString('utf8');
  // As Express's json() did: only an object or an array is accepted ("strict").
  if (!/^\s*[[{]/.test(text)) throw new BadRequestException(INVALID_JSON);
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new BadRequestException(`Body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestException(INVALID_JSON);
  }
}

function decodeText(body: Buffer, contentType: string | undefined): string {
  // The charset of the Content-Type, UTF-8 when none.
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2] ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new UnsupportedMediaTypeException(`Unsupported charset "${charset.toUpperCase()}"`);
  }
  return decoder.decode(body);
}

/** Deepest bracket nesting of a JSON text, strings skipped: one linear pass, before JSON.parse builds anything. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
