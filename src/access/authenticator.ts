import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { GatewayError } from '../common/gateway-error';
import type { AccessSettings, ApiKeyClient, CertificateClient } from './clients';
import { claimAt, JwtVerifier, TokenRejected } from './jwt-verifier';
import { isRole, type Principal } from './roles';

/** The adapter's request (Express or Fastify): headers and the node socket (Fastify wraps the node request in `raw`). */
export interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
  socket?: unknown;
  raw?: { socket?: unknown };
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Credentials → Principal. In order: a client certificate verified by the HTTPS server (mutual TLS), then
 * `Authorization: Bearer` (a JWT when OIDC is configured and the value has a JWT's shape, else an API key) or
 * `X-API-Key`. Returns undefined when the caller presented nothing; throws UNAUTHENTICATED when it presented
 * something we do not accept (a wrong key is never silently downgraded to "anonymous").
 */
export class Authenticator {
  private readonly keys: readonly ApiKeyClient[];
  private readonly jwt?: JwtVerifier;

  constructor(private readonly settings: AccessSettings) {
    this.keys = settings.apiKeys;
    this.jwt = settings.oidc ? new JwtVerifier(settings.oidc) : undefined;
  }

  async authenticate(req: CredentialSource): Promise<Principal | undefined> {
    const byCertificate = this.certificate(req);
    if (byCertificate) return byCertificate;
    const header = req.headers.authorization;
    const apiKey = req.headers['x-api-key'];
    const bearer = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (bearer && this.jwt && JWT_SHAPE.test(bearer)) return this.token(bearer);
    const presented = bearer ?? (typeof apiKey === 'string' ? apiKey : undefined);
    if (presented !== undefined) return this.apiKey(presented);
    if (header !== undefined || apiKey !== undefined) throw unauthenticated('unsupported Authorization scheme');
    return undefined;
  }

  private apiKey(presented: string): Principal {
    // Compare digests in constant time: the comparison leaks neither the key nor its length.
    const digest = createHash('sha256').update(presented).digest();
    let match: ApiKeyClient | undefined;
    for (const k of this.keys) if (timingSafeEqual(k.digest, digest)) match = k;
    if (!match) throw unauthenticated('unknown API key');
    return { clientId: match.id, roles: match.roles, finess: match.finess, via: 'api-key' };
  }

  private certificate(req: CredentialSource): Principal | undefined {
    const socket = (req.raw?.socket ?? req.socket) as TLSSocket | undefined;
    if (!socket || typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.subject) return undefined;
    const cnValue = cert.subject.CN;
    const cn = Array.isArray(cnValue) ? cnValue[0] : cnValue;
    const fingerprint = (cert.fingerprint256 ?? '').replace(/:/g, '').toLowerCase();
    const client = this.settings.certificates.find((c: CertificateClient) =>
      'cn' in c.match ? c.match.cn === cn : c.match.sha256 === fingerprint,
    );
    return client ? { clientId: client.id, roles: client.roles, finess: client.finess, via: 'mtls' } : undefined;
  }

  private async token(token: string): Promise<Principal> {
    const oidc = this.settings.oidc!;
    let claims;
    try {
      claims = await this.jwt!.verify(token);
    } catch (err) {
      if (err instanceof TokenRejected) throw unauthenticated(`bearer token refused: ${err.message}`);
      throw err;
    }
    const roles = asStrings(claimAt(claims, oidc.rolesClaim)).filter(isRole);
    const finess = asStrings(claimAt(claims, oidc.finessClaim)).filter((f) => /^[0-9AB]{9}$/.test(f));
    const subject = [claims.azp, claims.client_id, claims.sub].find((v): v is string => typeof v === 'string' && v.length > 0);
    if (!subject) throw unauthenticated('bearer token refused: no subject');
    const spansAll = roles.some((r) => r === 'operator' || r === 'admin' || r === 'metrics');
    return {
      // Prefixed: an identity provider's client cannot take the id (and so the stored answers) of an API-key client.
      clientId: `oidc:${subject.slice(0, 128)}`,
      roles,
      finess: finess.length > 0 || spansAll ? finess : [this.settings.establishmentFiness],
      via: 'oidc',
    };
  }
}

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function unauthenticated(why: string): GatewayError {
  return new GatewayError(
    'UNAUTHENTICATED',
    `Authentication required: a valid API key (X-API-Key or Authorization: Bearer), client certificate or bearer token (${why})`,
  );
}
