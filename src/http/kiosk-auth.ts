import { timingSafeEqual, createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { GatewayError } from '../common/gateway-error';

/**
 * Kiosk authentication: an API key per kiosk (`Authorization: Bearer …` or `X-API-Key`), or a client certificate
 * verified by the HTTPS server (mutual TLS) whose subject CN is a configured kiosk id.
 */
export class KioskAuthenticator {
  private readonly keys: Array<{ id: string; digest: Buffer }>;

  constructor(apiKeys: Map<string, string>, demoKey?: string) {
    this.keys = [...apiKeys].map(([id, key]) => ({ id, digest: sha256(key) }));
    if (demoKey) this.keys.push({ id: 'demo-kiosk', digest: sha256(demoKey) });
  }

  /** Returns the kiosk id or throws UNAUTHENTICATED. */
  authenticate(req: { headers: Record<string, string | string[] | undefined>; socket?: unknown; raw?: { socket?: unknown } }): string {
    // Express hands the node request itself, Fastify wraps it in `raw`.
    const socket = (req.raw?.socket ?? req.socket) as TLSSocket | undefined;
    if (socket && typeof socket.getPeerCertificate === 'function' && socket.authorized) {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      const id = Array.isArray(cn) ? cn[0] : cn;
      if (id && this.keys.some((k) => k.id === id)) return id;
    }
    const header = req.headers.authorization;
    const apiKey = req.headers['x-api-key'];
    const bearer = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    const presented = bearer ?? (typeof apiKey === 'string' ? apiKey : undefined);
    if (presented) {
      const digest = sha256(presented);
      // Compare digests in constant time so the comparison leaks neither the key nor its length.
      const match = this.keys.find((k) => timingSafeEqual(k.digest, digest));
      if (match) return match.id;
    }
    throw new GatewayError(
      'UNAUTHENTICATED',
      'Kiosk authentication required: a valid API key (Authorization: Bearer) or client certificate',
    );
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
