import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config';
import type { InsurerTlsOptions } from '../insurer/insurer-http-client';
import { checkDatesAndPurpose } from '../signing/certificate-checker';
import { parseCertificate } from '../signing/certificate-parser';
import type { AppLogger } from '../observability/logger';
import type { AmoRightsGateway, AmoRightsLotGateway } from './amo-rights.port';
import { CdriLotAdapter } from './cdri-lot.adapter';
import { CdriSoapAdapter } from './cdri-soap.adapter';

export interface CdriAdapters {
  rights: AmoRightsGateway;
  /** The lot exchange (batch submission + polling) with the same endpoint and certificate. */
  lot: AmoRightsLotGateway;
  close(): Promise<void>;
}

/**
 * The insurer side of CDRi: the production SOAP adapters on the configured endpoint, or — with no CDRI_ENDPOINT —
 * on the embedded simulator's (a real HTTP server speaking the same SOAP, started by the composition root), said loudly.
 */
export function startCdriAdapters(config: AppConfig, log: AppLogger): CdriAdapters {
  const common = config.cdri.common;
  const context = {
    softwareName: common.softwareName,
    authorisationNumber: common.authorisationNumber,
    softwareVersion: common.softwareVersion,
    installId: common.installId,
  };
  let endpoint: string;
  let tls: InsurerTlsOptions | undefined;
  if (config.cdri.mode === 'simulator') {
    if (!config.cdri.endpoint) throw new Error('CDRi simulator mode, but no simulator was started (see src/app/simulators.ts)');
    endpoint = config.cdri.endpoint;
    log.warn({ url: endpoint }, 'CDRi SIMULATOR in use (no CDRI_ENDPOINT set) — answers are simulated');
  } else {
    endpoint = config.cdri.endpoint;
    const files = config.cdri.tls;
    if (files) {
      const cert = readFileSync(files.certFile);
      const parsed = parseCertificate(cert);
      tls = {
        cert,
        key: readFileSync(files.keyFile),
        ca: files.caFile ? readFileSync(files.caFile) : undefined,
        // Checked at boot with every configured certificate; checked again before each call (ORG AUTH_CLI purpose).
        checkClientCertificate: () => void checkDatesAndPurpose(parsed, 'tls-client', new Date(), 0),
      };
    }
  }
  const options = { endpoint, timeoutMs: common.timeoutMs, maxSockets: common.maxSockets, context, tls };
  const rights = new CdriSoapAdapter(options);
  const lot = new CdriLotAdapter(options);
  return {
    rights,
    lot,
    close: async () => {
      lot.close();
      rights.close();
    },
  };
}
