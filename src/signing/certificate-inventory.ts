/**
 * Every certificate the configuration names, by its role (`cdri-client`, `http-server`, `seal`, `recipient:cpam-75`…):
 * checked for dates and purpose at boot (all problems listed at once), before use by the code that uses them, and
 * watched (health, `passerelle_certificate_days_left{certificate="<role>"}`). Roles come from the configuration,
 * never from a certificate's subject, so labels and /health name no person nor organisation.
 */
import { CertificateError } from './certificate-error';
import { type CertificateChecker, type CertificatePurpose, checkDatesAndPurpose, checkLocalTlsCertificate } from './certificate-checker';
import { type ParsedCertificate } from './certificate-parser';

/** How a certificate is checked: against the trust store, dates and purpose only, or leniently (own PKI, TLS). */
export type CertificateCheckKind =
  | { readonly kind: 'trust-store'; readonly checker: CertificateChecker; readonly chain?: readonly ParsedCertificate[] }
  | { readonly kind: 'purpose' }
  | { readonly kind: 'local-tls' };

export interface InventoryEntry {
  /** The configured role, used as metric label and in /health. */
  readonly role: string;
  readonly purpose: CertificatePurpose;
  readonly certificate: ParsedCertificate;
  readonly check: CertificateCheckKind;
}

export interface CertificateStatus {
  readonly role: string;
  readonly state: 'valid' | 'expiring' | 'invalid';
  /** Whole days until notAfter (negative once expired). */
  readonly daysLeft: number;
  /** Full reason (subject CN and serial): for boot errors and logs, not for anonymous readers. */
  readonly detail?: string;
  /** Short reason without names (error code or "expires in N days"): for /health. */
  readonly summary?: string;
}

const DAY_MS = 86_400_000;

export class CertificateInventory {
  private readonly byRole = new Map<string, InventoryEntry>();

  constructor(
    entries: readonly InventoryEntry[],
    private readonly warnDays: number,
  ) {
    for (const e of entries) this.byRole.set(e.role, e);
  }

  get roles(): string[] {
    return [...this.byRole.keys()];
  }

  /** Throws CertificateError when the certificate of this role must not be used now. */
  assertUsable(role: string, now: Date): void {
    const entry = this.byRole.get(role);
    if (entry) this.check(entry, now);
  }

  statuses(now: Date): CertificateStatus[] {
    return [...this.byRole.values()].map((e) => {
      const daysLeft = Math.ceil((e.certificate.notAfter.getTime() - now.getTime()) / DAY_MS);
      try {
        const { warnings } = this.check(e, now);
        if (warnings.length === 0) return { role: e.role, state: 'valid', daysLeft };
        return { role: e.role, state: 'expiring', daysLeft, detail: warnings.join(', '), summary: warnings.join(', ') };
      } catch (err) {
        const code = err instanceof CertificateError ? err.code : 'UNREADABLE';
        const detail = err instanceof Error ? err.message : String(err);
        return { role: e.role, state: 'invalid', daysLeft, detail, summary: code };
      }
    });
  }

  /** `role: reason` for every certificate that must not be used now (boot refuses to start on any). */
  problems(now: Date): string[] {
    return this.statuses(now)
      .filter((s) => s.state === 'invalid')
      .map((s) => `${s.role}: ${s.detail}`);
  }

  private check(e: InventoryEntry, now: Date): { warnings: string[] } {
    switch (e.check.kind) {
      case 'trust-store':
        return e.check.checker.check(e.certificate, { purpose: e.purpose, now, chain: e.check.chain });
      case 'purpose':
        return checkDatesAndPurpose(e.certificate, e.purpose, now, this.warnDays);
      case 'local-tls':
        return checkLocalTlsCertificate(e.certificate, e.purpose === 'tls-client' ? 'tls-client' : 'tls-server', now, this.warnDays);
    }
  }
}
