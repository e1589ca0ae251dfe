import * as http from 'node:http';
import * as https from 'node:https';
import type { ChannelHeader } from './subscription.parser';

/** What we read of a receiver's answer at most: only its status matters, the rest is drained and dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface RestHookRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: readonly ChannelHeader[];
  /** JSON text (application/fhir+json); undefined = an empty notification. */
  body?: string;
  timeoutMs: number;
}

/** How a notification ended; `reason` names the failure (an HTTP status or a network error code), never a value. */
export type RestHookResult = { ok: true; status: number } | { ok: false; reason: string; status?: number };

/**
 * One notification under a hard deadline (connect + send + answer: the request is destroyed when it fires). A 2xx
 * is a delivery; anything else (3xx are not followed) is a failure. The answer is read up to MAX_ANSWER_BYTES and
 * discarded, so a receiver streaming garbage cannot hold memory. No keep-alive: notifications are seconds apart.
 */
export function sendRestHook(req: RestHookRequest): Promise<RestHookResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: RestHookResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const url = new URL(req.url);
    const transport = url.protocol === 'https:' ? https : http;
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { 'user-agent': 'Passerelle-Subscription', accept: 'application/fhir+json' };
    for (const h of req.headers) headers[h.name] = h.value;
    headers['content-length'] = String(body?.length ?? 0);
    if (body) headers['content-type'] = 'application/fhir+json; charset=utf-8';
    const request = transport.request(
      url,
      { method: req.method, headers, agent: false, rejectUnauthorized: true } as https.RequestOptions,
      (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // Past the cap the status is all we need: stop reading and free the socket.
          if (read > MAX_ANSWER_BYTES) {
            res.destroy();
            finish();
          }
        });
        const finish = () => done(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, reason: `HTTP ${status}` });
        res.once('end', finish);
        res.once('error', () => finish());
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      done({ ok: false, reason: `timeout after ${req.timeoutMs} ms` });
    }, req.timeoutMs);
    request.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: err.code ?? 'network error' }));
    request.end(body);
  });
}
