import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendRestHook } from './rest-hook-client';

/** Against a real local HTTP server: what counts as delivered, and that no receiver can hold a notification. */
describe('sendRestHook', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; url?: string; auth?: string; type?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body });
        if (req.url === '/ok') return res.writeHead(204).end();
        if (req.url === '/redirect') return res.writeHead(302, { location: '/ok' }).end();
        if (req.url === '/hang') return; // never answers
        if (req.url === '/flood') {
          res.writeHead(200);
          const chunk = Buffer.alloc(16 * 1024, 'x');
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once('drain', pump);
          };
          return pump();
        }
        res.writeHead(503).end('busy');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the body, its type and the channel headers; a 2xx is a delivery', async () => {
    const r = await sendRestHook({
      method: 'PUT',
      url: `${base}/ok`,
      headers: [{ name: 'Authorization', value: 'Bearer t' }],
      body: '{"a":1}',
      timeoutMs: 2000,
    });
    expect(r).toEqual({ ok: true, status: 204 });
    expect(seen.at(-1)).toEqual({
      method: 'PUT',
      url: '/ok',
      auth: 'Bearer t',
      type: 'application/fhir+json; charset=utf-8',
      body: '{"a":1}',
    });
  });

  it('fails on any other status, redirects included (not followed)', async () => {
    expect(await sendRestHook({ method: 'POST', url: `${base}/redirect`, headers: [], timeoutMs: 2000 })).toEqual({
      ok: false,
      status: 302,
      reason: 'HTTP 302',
    });
    expect(await sendRestHook({ method: 'POST', url: `${base}/busy`, headers: [], timeoutMs: 2000 })).toEqual({
      ok: false,
      status: 503,
      reason: 'HTTP 503',
    });
  });

  it('gives up at the deadline, and stops reading an endless answer', async () => {
    expect(await sendRestHook({ method: 'POST', url: `${base}/hang`, headers: [], timeoutMs: 200 })).toEqual({
      ok: false,
      reason: 'timeout after 200 ms',
    });
    expect(await sendRestHook({ method: 'POST', url: `${base}/flood`, headers: [], timeoutMs: 5000 })).toEqual({ ok: true, status: 200 });
  });

  it('names a network failure by its code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await sendRestHook({ method: 'POST', url: `http://127.0.0.1:${port}/`, headers: [], timeoutMs: 2000 })).toEqual({
      ok: false,
      reason: 'ECONNREFUSED',
    });
  });
});
