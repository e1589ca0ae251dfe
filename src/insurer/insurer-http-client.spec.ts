/**
 * The client against real sockets on 127.0.0.1 (a node:http server per case): deadline, size cap, refused connection,
 * Retry-After and the metrics hook.
 */
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { type InsurerExchangeEvent, InsurerHttpClient } from './insurer-http-client';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function withServer(handler: Handler, run: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/svc`;
  try {
    await run(url);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('InsurerHttpClient', () => {
  it('posts the payload and resolves with any status, the Retry-After read', async () => {
    await withServer(
      (req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          res.writeHead(429, {
            'Content-Type': 'text/plain',
            'Retry-After': '17',
            'X-Echo': `${req.method} ${req.url} ${req.headers.accept} ${body}`,
          });
          res.end('slow down');
        });
      },
      async (url) => {
        const events: InsurerExchangeEvent[] = [];
        const client = new InsurerHttpClient({
          endpoint: url,
          timeoutMs: 5000,
          accept: 'application/soap+xml',
          onExchange: (e) => events.push(e),
        });
        try {
          const res = await client.post('<q/>', 'application/soap+xml');
          expect(res).toMatchObject({ status: 429, body: 'slow down', retryAfterMs: 17_000 });
          expect(events).toEqual([expect.objectContaining({ outcome: 'throttled', status: 429 })]);
          expect(events[0].durationSeconds).toBeGreaterThanOrEqual(0);
        } finally {
          client.close();
        }
      },
    );
  });

  it('aborts an answer past maxResponseBytes as refused', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('x'.repeat(64 * 1024));
      },
      async (url) => {
        const client = new InsurerHttpClient({ endpoint: url, timeoutMs: 5000, maxResponseBytes: 1024 });
        try {
          const err = await rejection(client.post('q', 'text/plain'));
          expect(err).toMatchObject({ name: 'InsurerCallError', outcome: 'refused', detail: 'RESPONSE_TOO_LARGE', transient: false });
        } finally {
          client.close();
        }
      },
    );
  });

  it('ends with timeout when no answer comes before the deadline', async () => {
    await withServer(
      () => undefined, // never answers
      async (url) => {
        const events: InsurerExchangeEvent[] = [];
        const client = new InsurerHttpClient({ endpoint: url, timeoutMs: 200, onExchange: (e) => events.push(e) });
        try {
          const err = await rejection(client.post('q', 'text/plain'));
          expect(err).toMatchObject({ outcome: 'timeout', transient: true });
          expect(events.map((e) => e.outcome)).toEqual(['timeout']);
        } finally {
          client.close();
        }
      },
    );
  });

  it('ends with unavailable, naming only the error code, when the connection is refused', async () => {
    let url = '';
    await withServer(
      () => undefined,
      async (u) => void (url = u),
    ); // a port that was just closed
    const client = new InsurerHttpClient({ endpoint: url, timeoutMs: 2000 });
    try {
      const err = await rejection(client.post('q', 'text/plain'));
      expect(err).toMatchObject({ outcome: 'unavailable', detail: 'ECONNREFUSED', message: 'insurer unreachable (ECONNREFUSED)' });
      expect(await client.ping()).toBe(false);
    } finally {
      client.close();
    }
  });

  it('refuses an endpoint it cannot use safely', () => {
    expect(() => new InsurerHttpClient({ endpoint: 'ftp://x', timeoutMs: 1 })).toThrow(/http or https/);
    expect(() => new InsurerHttpClient({ endpoint: 'http://x', timeoutMs: 1, tls: {} })).toThrow(/https/);
    expect(() => new InsurerHttpClient({ endpoint: 'https://x', timeoutMs: 1, tls: { cert: 'c' } })).toThrow(/go together/);
    expect(() => new InsurerHttpClient({ endpoint: 'http://x', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
