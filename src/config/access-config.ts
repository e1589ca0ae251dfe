import { createHash } from 'node:crypto';
import type { AccessSettings, ApiKeyClient, CertificateClient, OidcSettings } from '../access/clients';
import { isRole, type Role } from '../access/roles';
import { isValidFiness } from '../identifiers';
import { type ConfigReader } from './config-readers';

/** Shorter keys are refused at boot: 32 random characters (e.g. `openssl rand -base64 32`) resist guessing. */
export const MIN_API_KEY_LENGTH = 32;
/** Accepted only in full embedded/simulation mode (embedded database AND simulated insurer), with no client configured. */
export const DEMO_KIOSK_KEY = 'demo-kiosk-key-embedded-only';
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

export interface AccessConfig extends AccessSettings {
  /** Set in full embedded/simulation mode only (scripts/demo.ts uses it). */
  demoKey?: string;
}

/**
 * Clients and their roles, from three sources:
 * - `KIOSK_API_KEYS=id:key,…` — kiosks (role `kiosk` only, the establishment's FINESS), keys ≥ 32 characters;
 * - `API_CLIENTS=id:sha256hex:role+role:finess+finess,…` — any role; only the SHA-256 of each key is configured
 *   (`printf %s "$KEY" | sha256sum`); entries may also be separated by new lines (a mounted file);
 * - `API_CLIENT_CERTS=id:cn=<subject CN>|sha256=<fingerprint hex>:roles:finess,…` — mutual TLS clients;
 * plus bearer JWTs from `OIDC_ISSUER`.
 */
export function readAccessConfig(r: ConfigReader, ctx: { establishmentFiness: string; fullSimulation: boolean }): AccessConfig {
  const apiKeys: ApiKeyClient[] = [];
  const certificates: CertificateClient[] = [];
  const ids = new Set<string>();
  const kiosks = r.pairs('KIOSK_API_KEYS');
  for (const [id, key] of kiosks) {
    r.check(CLIENT_ID.test(id), `KIOSK_API_KEYS: id ${JSON.stringify(id.slice(0, 64))} must be letters, digits, '.', '_' or '-'`);
    r.check(key.length >= MIN_API_KEY_LENGTH, `KIOSK_API_KEYS: key of ${id} must be at least ${MIN_API_KEY_LENGTH} characters`);
    apiKeys.push({ id, digest: sha256(key), roles: ['kiosk'], finess: [ctx.establishmentFiness] });
    // A kiosk keeps being recognised by a client certificate whose CN is its id (HTTP_TLS_REQUEST_CLIENT_CERT).
    certificates.push({ id, match: { cn: id }, roles: ['kiosk'], finess: [ctx.establishmentFiness] });
    ids.add(id);
  }
  for (const entry of entries(r, 'API_CLIENTS')) {
    const [id, digest, roles, finess, ...rest] = entry.split(':');
    const where = `API_CLIENTS: entry ${JSON.stringify((id ?? '').slice(0, 64))}`;
    if (rest.length > 0 || !id || !digest || !roles) {
      r.check(false, `API_CLIENTS: each entry must be id:sha256hex:roles[:finess] (roles and FINESS joined with +)`);
      continue;
    }
    r.check(CLIENT_ID.test(id), `${where}: id must be letters, digits, '.', '_' or '-'`);
    r.check(/^[0-9a-fA-F]{64}$/.test(digest), `${where}: the key must be given as its SHA-256 (64 hex digits), not in clear`);
    r.check(!ids.has(id), `${where}: id used twice (KIOSK_API_KEYS and API_CLIENTS share ids)`);
    ids.add(id);
    const client = { id, ...rolesAndFiness(r, where, roles, finess, ctx.establishmentFiness) };
    apiKeys.push({ ...client, digest: Buffer.from(digest.toLowerCase(), 'hex') });
  }
  const certIds = new Set<string>();
  for (const entry of entries(r, 'API_CLIENT_CERTS')) {
    const [id, match, roles, finess, ...rest] = entry.split(':');
    const where = `API_CLIENT_CERTS: entry ${JSON.stringify((id ?? '').slice(0, 64))}`;
    const m = /^(cn|sha256)=(.+)$/.exec(match ?? '');
    if (rest.length > 0 || !id || !m || !roles) {
      r.check(false, 'API_CLIENT_CERTS: each entry must be id:cn=<CN>|sha256=<hex>:roles[:finess]');
      continue;
    }
    r.check(CLIENT_ID.test(id), `${where}: id must be letters, digits, '.', '_' or '-'`);
    r.check(!certIds.has(id) && !kiosks.has(id), `${where}: id used twice`);
    certIds.add(id);
    if (m[1] === 'sha256') r.check(/^[0-9a-fA-F]{64}$/.test(m[2]), `${where}: sha256= takes 64 hex digits (no colons)`);
    const matchBy = m[1] === 'cn' ? { cn: m[2] } : { sha256: m[2].toLowerCase() };
    certificates.push({ id, match: matchBy, ...rolesAndFiness(r, where, roles, finess, ctx.establishmentFiness) });
  }
  const oidc = readOidc(r);
  const configured = apiKeys.length > 0 || certIds.size > 0 || !!oidc;
  const demoKey = ctx.fullSimulation && !configured ? DEMO_KIOSK_KEY : undefined;
  if (demoKey) apiKeys.push({ id: 'demo-kiosk', digest: sha256(demoKey), roles: ['kiosk'], finess: [ctx.establishmentFiness] });
  return {
    apiKeys,
    certificates,
    oidc,
    demoKey,
    establishmentFiness: ctx.establishmentFiness,
    ratePerMinute: r.int('KIOSK_RATE_LIMIT_PER_MINUTE', 1, 1000000),
    burst: r.int('KIOSK_RATE_LIMIT_BURST', 1, 100000),
  };
}

function readOidc(r: ConfigReader): OidcSettings | undefined {
  const issuer = r.url('OIDC_ISSUER', ['https', 'http']);
  if (!issuer) return undefined;
  const jwksUri = r.url('OIDC_JWKS_URI', ['https', 'http']);
  for (const [name, url] of [
    ['OIDC_ISSUER', issuer],
    ['OIDC_JWKS_URI', jwksUri],
  ] as const)
    if (url && url.startsWith('http:')) r.check(isLoopback(url), `${name}: must be https (plain http only on the loopback)`);
  const algorithms = r
    .string('OIDC_ALGORITHMS')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const a of algorithms)
    r.check((ALGORITHMS as readonly string[]).includes(a), `OIDC_ALGORITHMS: ${a.slice(0, 16)} is not one of ${ALGORITHMS.join(', ')}`);
  return {
    issuer,
    audience: r.string('OIDC_AUDIENCE'),
    rolesClaim: r.string('OIDC_ROLES_CLAIM'),
    finessClaim: r.string('OIDC_FINESS_CLAIM'),
    algorithms: algorithms.filter((a): a is (typeof ALGORITHMS)[number] => (ALGORITHMS as readonly string[]).includes(a)),
    clockSkewSeconds: r.int('OIDC_CLOCK_SKEW_SECONDS', 0, 300),
    jwksUri,
  };
}

function rolesAndFiness(
  r: ConfigReader,
  where: string,
  rolesText: string,
  finessText: string | undefined,
  establishment: string,
): { roles: Role[]; finess: string[] } {
  const roles: Role[] = [];
  for (const role of rolesText.split('+').filter(Boolean)) {
    if (isRole(role)) roles.push(role);
    else r.check(false, `${where}: unknown role ${JSON.stringify(role.slice(0, 32))}`);
  }
  r.check(roles.length > 0, `${where}: at least one role`);
  const finess = (finessText ?? '').split('+').filter(Boolean);
  for (const f of finess) r.check(isValidFiness(f), `${where}: ${f.slice(0, 16)} is not a valid FINESS`);
  // Only operators and admins may span every establishment; anyone else without a FINESS acts for this one.
  const spansAll = roles.some((x) => x === 'operator' || x === 'admin' || x === 'metrics');
  return { roles, finess: finess.length > 0 || spansAll ? finess : [establishment] };
}

function entries(r: ConfigReader, name: string): string[] {
  return (r.optionalString(name) ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
