import { constants, verify } from 'node:crypto';
import type { OidcSettings } from './clients';
import { JwksCache, type VerificationKey } from './jwks';

/** Longer tokens are refused before any parsing (Keycloak tokens with many roles stay well under it). */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** Why a token was refused: said in the 401, never with the token or its claims. */
export class TokenRejected extends Error {}

export type JwtClaims = Record<string, unknown>;

/**
 * Verifies an OAuth access token in JWT form (RFC 9068) with node:crypto only: the algorithm from an allowlist
 * (RS256, PS256, ES256 — never `none` or a shared-secret HS*), the signature against the issuer's published key of
 * that kid and type, then iss, aud, exp and nbf (with a small clock skew).
 */
export class JwtVerifier {
  private readonly jwks: JwksCache;

  constructor(
    private readonly settings: OidcSettings,
    private readonly now = () => Date.now(),
  ) {
    this.jwks = new JwksCache(settings.issuer, settings.jwksUri, now);
  }

  async verify(token: string): Promise<JwtClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected('token too long');
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRejected('not a JWT');
    const header = decodeJson(parts[0], 'header');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.settings.algorithms as readonly string[]).includes(alg))
      throw new TokenRejected('signature algorithm not allowed');
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    let key: VerificationKey | undefined;
    try {
      key = await this.jwks.get(kid);
    } catch {
      throw new TokenRejected('the identity provider keys could not be read');
    }
    if (!key || !fits(key, alg)) throw new TokenRejected('unknown signing key');
    const signature = Buffer.from(parts[2], 'base64url');
    if (!checkSignature(alg, key, Buffer.from(`${parts[0]}.${parts[1]}`), signature)) throw new TokenRejected('bad signature');

    const claims = decodeJson(parts[1], 'payload');
    const s = this.settings;
    if (claims.iss !== s.issuer) throw new TokenRejected('wrong issuer');
    const aud = claims.aud;
    if (!(aud === s.audience || (Array.isArray(aud) && aud.includes(s.audience)))) throw new TokenRejected('wrong audience');
    const nowS = this.now() / 1000;
    if (typeof claims.exp !== 'number') throw new TokenRejected('no expiry');
    if (claims.exp + s.clockSkewSeconds <= nowS) throw new TokenRejected('expired');
    if (typeof claims.nbf === 'number' && claims.nbf - s.clockSkewSeconds > nowS) throw new TokenRejected('not yet valid');
    return claims;
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new TokenRejected(`unreadable ${what}`);
}

/** The key must be of the algorithm's type (an RSA key never checks an ES256 token) and, when it says, for it. */
function fits(key: VerificationKey, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  return alg === 'ES256' ? key.kty === 'EC' && key.crv === 'P-256' : key.kty === 'RSA';
}

function checkSignature(alg: string, key: VerificationKey, data: Buffer, signature: Buffer): boolean {
  try {
    switch (alg) {
      case 'RS256':
        return verify('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'PS256':
        return verify('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
      case 'ES256':
        return verify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** Reads a dotted claim path (`realm_access.roles`). */
export function claimAt(claims: JwtClaims, path: string): unknown {
  let value: unknown = claims;
  for (const step of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}
