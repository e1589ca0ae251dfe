import type { Role } from './roles';

/** An API-key client: only the SHA-256 digest of its key is held (configured as a digest, or hashed at boot). */
export interface ApiKeyClient {
  id: string;
  digest: Buffer;
  roles: readonly Role[];
  /** Empty = all establishments (operator/admin only; others get the establishment's FINESS at boot). */
  finess: readonly string[];
}

/** A client known by its TLS client certificate (verified by the HTTPS server against HTTP_TLS_CA_FILE). */
export interface CertificateClient {
  id: string;
  /** Subject CN, or SHA-256 fingerprint of the DER certificate as 64 lower-case hex digits. */
  match: { cn: string } | { sha256: string };
  roles: readonly Role[];
  finess: readonly string[];
}

/** Bearer JWTs from an OpenID Provider (Keycloak, AD FS…), verified against its published keys. */
export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Dotted path of the roles claim: `roles`, `realm_access.roles`, `resource_access.passerelle.roles`. */
  rolesClaim: string;
  finessClaim: string;
  algorithms: readonly ('RS256' | 'PS256' | 'ES256')[];
  clockSkewSeconds: number;
  /** Overrides discovery (`<issuer>/.well-known/openid-configuration` → jwks_uri). */
  jwksUri?: string;
}

export interface AccessSettings {
  apiKeys: readonly ApiKeyClient[];
  certificates: readonly CertificateClient[];
  oidc?: OidcSettings;
  /** The FINESS given to clients configured without one (kiosks, GAP, schedulers). */
  establishmentFiness: string;
  /** Per-client token bucket (per process). */
  ratePerMinute: number;
  burst: number;
}
