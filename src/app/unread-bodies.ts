import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { announcesBody } from '../http/request-body';

/**
 * An answer given before the request body was read (unknown route, refused caller, 413/415 on the announced size)
 * closes the connection. Otherwise Node would have to get past the unread body to serve the next request on that
 * connection — reading and dropping up to the whole 200 MB a client announced, or stalling on it (measured on Node 20:
 * the connection hung until the keep-alive timeout). `Connection: close` lets the client read the answer, then the
 * socket is closed and the client's further writes fail. Installed on the node server: both adapters behave the same.
 */
export function closeOnUnreadBodies(server: Server): void {
  // First listener: Fastify may answer (a 404 from its onRequest hook) synchronously inside its own listener.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
    res.writeHead = ((status: number, ...rest: [string | OutgoingHttpHeaders | undefined, OutgoingHttpHeaders?]) => {
      // A bodyless request (GET) is not complete yet while Node is still in its 'request' event: only a body counts.
      if (!req.complete && !res.headersSent && announcesBody(req)) res.setHeader('Connection', 'close');
      return writeHead(status, ...rest);
    }) as ServerResponse['writeHead'];
  });
}
