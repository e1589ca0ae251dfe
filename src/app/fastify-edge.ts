import type { IncomingMessage } from 'node:http';
import { TextDecoder } from 'node:util';
import { BadRequestException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TlsFiles } from '../config/app-config';
import { correlationIdFor } from '../http/correlation.middleware';
import { withCorrelation } from '../observability/correlation';
import { BODY_KINDS, INVALID_JSON, bodyTooLarge, httpsOptions } from './http-bodies';

type Parse = (body: Buffer, contentType: string | undefined) => unknown;

const PARSE: Record<(typeof BODY_KINDS)[number]['parseAs'], Parse> = {
  json: (body) => {
    const text = body.toString('utf8');
    // As Express's json(): an empty body is {}, and only an object or an array is accepted ("strict").
    if (text.trim() === '') return {};
    if (!/^\s*[[{]/.test(text)) throw new BadRequestException(INVALID_JSON);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BadRequestException(INVALID_JSON);
    }
  },
  text: (body, contentType) => {
    // As Express's text(): the charset of the Content-Type, UTF-8 when none.
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2] ?? 'utf-8';
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset);
    } catch {
      throw new UnsupportedMediaTypeException(`Unsupported charset "${charset.toUpperCase()}"`);
    }
    return decoder.decode(body);
  },
  bytes: (body) => body,
};

/**
 * Reads a body up to `limitBytes`. Past the limit, the rest is read and dropped before the 413, as Express does:
 * Fastify's own limit answers at once and closes the connection, and a client still sending (Node's http, most
 * kiosk stacks) then sees EPIPE instead of the OperationOutcome.
 */
function readBody(payload: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(payload.headers['content-length']) > limitBytes;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      tooLarge ||= size > limitBytes;
      if (!tooLarge) chunks.push(chunk);
    });
    payload.on('end', () =>
      tooLarge ? reject(new PayloadTooLargeException(bodyTooLarge(limitBytes))) : resolve(Buffer.concat(chunks, size)),
    );
    payload.on('error', reject);
  });
}

/**
 * The Fastify adapter configured to route like Express does by default (trailing slash and letter case ignored),
 * so a URL that works on one adapter works on the other.
 */
export function createFastifyAdapter(tls: TlsFiles | undefined): FastifyAdapter {
  return new FastifyAdapter({
    ...(tls ? { https: httpsOptions(tls) } : {}),
    // Fastify answers 414 past 100 characters in one path parameter; Express has no such limit.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 1024 },
  });
}

/**
 * Hooks for what Nest does not do itself: the bodies of BODY_KINDS, read as Express reads them, and the
 * correlation id. Parse errors reach the HTTP error filter as HttpExceptions (400 invalid, 413 too-costly).
 */
export function installFastifyEdge(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  for (const kind of BODY_KINDS) {
    fastify.addContentTypeParser([...kind.types], (req, payload, done) => {
      readBody(payload, kind.limitBytes)
        .then((body) => PARSE[kind.parseAs](body, req.headers['content-type']))
        .then(
          (parsed) => done(null, parsed),
          (err: Error) => done(err, undefined),
        );
    });
  }
  // Express leaves other bodies unread (the handler sees no body); Fastify would answer 415 for them.
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const ids = new WeakMap<FastifyRequest, string>();
  fastify.addHook('onRequest', (req, reply, done) => {
    const id = correlationIdFor(req.headers);
    ids.set(req, id);
    reply.header('X-Correlation-Id', id);
    withCorrelation(id, done);
  });
  // The body arrives on socket events, outside the context entered above (Express's raw-body rebinds it, Fastify
  // does not): enter it again once parsed, so guards, handlers, filters and their logs see the id.
  fastify.addHook('preHandler', (req, _reply, done) => {
    const id = ids.get(req);
    if (id) withCorrelation(id, done);
    else done();
  });
}
