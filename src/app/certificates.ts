import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config';
import type { HealthProbe } from '../observability/health';
import type { Metrics } from '../observability/metrics';
import { CertificateChecker } from '../signing/certificate-checker';
import { CertificateInventory, type InventoryEntry } from '../signing/certificate-inventory';
import { loadPkcs12File } from '../signing/certificate-loader';
import { parseCertificates } from '../signing/certificate-parser';

/** Days of warning for the certificates outside the transport section (which has its own SIGNING_WARN_DAYS). */
const DEFAULT_WARN_DAYS = 30;

/**
 * Every certificate the configuration names, loaded once at boot under its role. A file that cannot be read or
 * holds no certificate is a problem of its role; the caller refuses to start on any (with checkAll's problems).
 */
export async function loadCertificateInventory(config: AppConfig): Promise<{ inventory: CertificateInventory; problems: string[] }> {
  const entries: InventoryEntry[] = [];
  const problems: string[] = [];
  const pem = (role: string, file: string, add: (certs: ReturnType<typeof parseCertificates>) => void) => {
    try {
      const certs = parseCertificates(readFileSync(file, 'utf8'));
      if (certs.length === 0) problems.push(`${role}: no certificate in its file`);
      else add(certs);
    } catch (err) {
      problems.push(`${role}: certificate file unreadable (${(err as { code?: string }).code ?? (err as Error).name})`);
    }
  };
  const local = (role: string, purpose: 'tls-server' | 'tls-client', file: string | undefined) => {
    if (file) pem(role, file, ([certificate]) => entries.push({ role, purpose, certificate, check: { kind: 'local-tls' } }));
  };

  if (config.cdri.mode === 'remote' && config.cdri.tls) {
    // IGC Santé ORG AUTH_CLI: strict purpose (keyUsage digitalSignature + extKeyUsage clientAuth, not a CA).
    pem('cdri-client', config.cdri.tls.certFile, ([certificate]) =>
      entries.push({ role: 'cdri-client', purpose: 'tls-client', certificate, check: { kind: 'purpose' } }),
    );
  }
  local('http-server', 'tls-server', config.http.tls?.certFile);
  local('mllp-server', 'tls-server', config.mllp.tls?.certFile);
  local('gap-client', 'tls-client', config.gapOutbound?.tls?.certFile);

  const t = config.transport;
  let warnDays = DEFAULT_WARN_DAYS;
  if (t) {
    warnDays = t.warnDays;
    let checker: CertificateChecker | undefined;
    try {
      checker = new CertificateChecker({ trustStore: readFileSync(t.trustStoreFile, 'utf8'), warnDays });
    } catch {
      problems.push('trust store: SIGNING_TRUST_STORE_FILE unreadable');
    }
    const p12 = async (role: string, file: string, password: string, add: (p: Awaited<ReturnType<typeof loadPkcs12File>>) => void) => {
      try {
        add(await loadPkcs12File(file, password));
      } catch (err) {
        problems.push(`${role}: ${(err as Error).message}`);
      }
    };
    if (checker) {
      const trusted = checker;
      await p12('seal', t.seal.p12File, t.seal.password, (seal) =>
        entries.push({
          role: 'seal',
          purpose: 'seal',
          certificate: seal.certificate,
          check: { kind: 'trust-store', checker: trusted, chain: seal.chain },
        }),
      );
      for (const [id, file] of t.recipients) {
        pem(`recipient:${id}`, file, ([certificate, ...chain]) =>
          entries.push({
            role: `recipient:${id}`,
            purpose: 'encryption-recipient',
            certificate,
            check: { kind: 'trust-store', checker: trusted, chain },
          }),
        );
      }
      for (const [id, pin] of t.returnSigners) {
        if (!('file' in pin)) continue;
        pem(`return-signer:${id}`, pin.file, ([certificate, ...chain]) =>
          entries.push({
            role: `return-signer:${id}`,
            purpose: 'seal',
            certificate,
            check: { kind: 'trust-store', checker: trusted, chain },
          }),
        );
      }
    }
    if (t.decrypt) {
      // Our decryption key: dates and purpose (returns still open with last year's key: see return-unwrapper.ts).
      await p12('decrypt', t.decrypt.p12File, t.decrypt.password, (key) =>
        entries.push({ role: 'decrypt', purpose: 'encryption-recipient', certificate: key.certificate, check: { kind: 'purpose' } }),
      );
    }
  }
  const inventory = new CertificateInventory(entries, warnDays);
  return { inventory, problems: [...problems, ...inventory.problems(new Date())] };
}

/**
 * /health's view of every configured certificate (role and short reason: no subject names), and the gauge
 * `passerelle_certificate_days_left{certificate="<role>"}`, refreshed by the probe and at every scrape.
 */
export function certificatesProbe(inventory: CertificateInventory, metrics: Metrics): { probe: HealthProbe; refreshGauge: () => void } {
  const refreshGauge = () => {
    for (const s of inventory.statuses(new Date())) metrics.certificateDaysLeft.set({ certificate: s.role }, s.daysLeft);
  };
  const probe: HealthProbe = {
    name: 'certificates',
    critical: false,
    // Local work only, but validity changes by the day: a minute is fresh enough.
    ttlMs: 60_000,
    check: () => {
      const statuses = inventory.statuses(new Date());
      for (const s of statuses) metrics.certificateDaysLeft.set({ certificate: s.role }, s.daysLeft);
      const notes = statuses.filter((s) => s.state !== 'valid').map((s) => `${s.role}: ${s.summary}`);
      let status: 'up' | 'degraded' | 'down' = notes.length > 0 ? 'degraded' : 'up';
      if (statuses.some((s) => s.state === 'invalid')) status = 'down';
      return Promise.resolve({ status, detail: notes.join('; ') || `${statuses.length} valid` });
    },
  };
  return { probe, refreshGauge };
}
