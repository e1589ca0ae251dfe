import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

const FETCH_TIMEOUT_MS = 5000;
const MAX_DOCUMENT_BYTES = 256 * 1024;
/** An unknown `kid` refetches the key set at most this often: a flood of forged kids cannot hammer the provider. */
const MIN_REFETCH_MS = 30_000;

export interface VerificationKey {
  key: KeyObject;
  kty: string;
  crv?: string;
  alg?: string;
}

/**
 * The provider's signing keys, found through discovery (`<issuer>/.well-known/openid-configuration` → `jwks_uri`)
 * and cached by `kid`. Fetched on first use (an identity provider down at boot does not stop the gateway), again
 * when a token names a kid we do not know (key rotation), never more than once per MIN_REFETCH_MS.
 */
export class JwksCache {
  private keys = new Map<string, VerificationKey>();
  private lastFetch = 0;
  private inflight?: Promise<void>;

  constructor(
    private readonly issuer: string,
    private readonly jwksUri?: string,
    private readonly now = () => Date.now(),
  ) {}

  async get(kid: string | undefined): Promise<VerificationKey | undefined> {
    const found = this.pick(kid);
    if (found) return found;
    if (this.lastFetch !== 0 && this.now() - this.lastFetch < MIN_REFETCH_MS) return undefined;
    this.inflight ??= this.refresh().finally(() => (this.inflight = undefined));
    await this.inflight;
    return this.pick(kid);
  }

  private pick(kid: string | undefined): VerificationKey | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    // A token without kid is accepted only when the provider publishes exactly one signing key.
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  private async refresh(): Promise<void> {
    this.lastFetch = this.now();
    let uri = this.jwksUri;
    if (!uri) {
      const discovery = await fetchJson(`${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
      // The discovery document must speak for the configured issuer (OpenID Connect Discovery §4.3).
      if (discovery.issuer !== this.issuer) throw new Error('OIDC discovery: issuer does not match OIDC_ISSUER');
      if (typeof discovery.jwks_uri !== 'string') throw new Error('OIDC discovery: no jwks_uri');
      uri = discovery.jwks_uri;
    }
    const set = await fetchJson(uri);
    const keys = new Map<string, VerificationKey>();
    for (const jwk of Array.isArray(set.keys) ? (set.keys as Array<JsonWebKey & { kid?: string; use?: string; alg?: string }>) : []) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' });
        keys.set(jwk.kid ?? '', { key, kty: jwk.kty, crv: jwk.crv, alg: jwk.alg });
      } catch {
        /* an unusable key is skipped; tokens signed with it are refused */
      }
    }
    this.keys = keys;
  }
}

async function fetchJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!res.ok) throw new Error(`OIDC: ${url} answered ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`OIDC: ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  return JSON.parse(text) as Record<string, unknown>;
}
