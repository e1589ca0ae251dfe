import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config';
import type { AppLogger } from '../observability/logger';
import { CdriSimulator } from '../simulators/cdri/cdri-simulator';
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
 * the built-in simulator (a real HTTP server speaking the same SOAP), said loudly.
 */
export async function startCdriAdapters(config: AppConfig, log: AppLogger): Promise<CdriAdapters> {
  const common = config.cdri.common;
  const context = {
    softwareName: common.softwareName,
    authorisationNumber: common.authorisationNumber,
    softwareVersion: common.softwareVersion,
    installId: common.installId,
  };
  let simulator: CdriSimulator | undefined;
  let endpoint: string;
  let tls: { cert: Buffer; key: Buffer; ca?: Buffer } | undefined;
  if (config.cdri.mode === 'simulator') {
    simulator = new CdriSimulator({ port: config.cdri.simulatorPort, latencyMs: config.cdri.simulatorLatencyMs });
    endpoint = (await simulator.start()).url;
    log.warn({ url: endpoint }, 'CDRi SIMULATOR in use (no CDRI_ENDPOINT set) — answers are simulated');
  } else {
    endpoint = config.cdri.endpoint;
    const files = config.cdri.tls;
    tls = files ? { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca: files.caFile ? readFileSync(files.caFile) : undefined } : undefined;
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
      await simulator?.stop();
    },
  };
}
