/**
 * Who may do what. Every client (kiosk, GAP, scheduler, person) is authenticated into one `Principal`, and every
 * route declares the roles it admits (`@Route({ roles })`, src/http/route-doc.ts); the README's route-by-role
 * matrix is generated from those declarations.
 */
export const ROLES = [
  /** Admission kiosk: eligibility `$submit` and reading its own answers, nothing else. */
  'kiosk',
  /** The GAP/DPI: HL7 and FHIR submissions, reads within its establishments. */
  'gap',
  /** Schedulers: CDRi lots (manual trigger, FHIR batch, CSV) and their Tasks and worklists. */
  'batch',
  /** Billing lots to insurers, their returns and rejects. */
  'billing',
  /** People running the gateway: read everything, replay, health detail, metrics, audit. */
  'operator',
  /** Configuration-level access: everything an operator has, and every route. */
  'admin',
  /** Prometheus scrapers: /metrics only. */
  'metrics',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** How the caller proved who it is. */
export type CredentialKind = 'api-key' | 'mtls' | 'oidc';

export interface Principal {
  /** Stable, unique across credential kinds (OIDC clients are prefixed `oidc:`); stored as `requested_by`. */
  clientId: string;
  roles: readonly Role[];
  /** Establishments the client acts for; empty = all (operator and admin only, enforced when configured). */
  finess: readonly string[];
  via: CredentialKind;
}

/** Operators and admins read across clients and establishments. */
export function seesEverything(p: Principal): boolean {
  return p.roles.includes('operator') || p.roles.includes('admin');
}

/** True when the client may act for (or read data of) this establishment. */
export function coversFiness(p: Principal, finess: string): boolean {
  return p.finess.length === 0 ? seesEverything(p) : p.finess.includes(finess);
}

/** A client holding only the kiosk role: reads are limited to its own answers. */
export function isKioskOnly(p: Principal): boolean {
  return p.roles.every((r) => r === 'kiosk');
}

/**
 * Whether `p` may read a record of this establishment asked by `requestedBy`: operators and admins everything; a
 * kiosk only what it asked itself; anyone else what belongs to its establishments. Callers answer "not found" when
 * it may not, so that the existence of another client's record is not disclosed.
 */
export function mayRead(p: Principal, record: { finess: string; requestedBy?: string }): boolean {
  if (seesEverything(p)) return true;
  if (isKioskOnly(p)) return record.requestedBy !== undefined && record.requestedBy === p.clientId;
  return coversFiness(p, record.finess);
}
