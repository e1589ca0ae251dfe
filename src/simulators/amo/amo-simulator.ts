import type { AmoRightsAnswer } from '../../cdri/amo-rights.port';

/**
 * PLACEHOLDER (embedded helper, issue 9): the exact interface of CONTRACTS.md so that the composition root compiles.
 * The amosim branch replaces this whole file with the real simulator; nothing here is meant to be kept.
 */
export interface AmoSimulatorOptions {
  host?: string;
  smtpPort?: number;
  decryption: { keyPem: string; certPem: string };
  signing: { keyPem: string; certPem: string; chainPem?: string };
  trustStorePem: string;
  returnRecipientCertPem: string;
  returnsDir: string;
  arlDelayMs?: number;
  rspDelayMs?: number;
  faults?: { loseArl?: boolean; duplicateReturn?: boolean; refuseFile?: boolean };
  now?: () => Date;
}

export class AmoSimulator {
  constructor(readonly opts: AmoSimulatorOptions) {}

  start(): Promise<{ smtpPort: number }> {
    return Promise.reject(new Error('AMO simulator: not yet built (placeholder)'));
  }

  /** What the insurer itself knows of a patient, when it differs from the CDRi answer (the demo's reject). */
  overrideRights(nir: string, answer: AmoRightsAnswer): void {
    void nir;
    void answer;
    throw new Error('AMO simulator: not yet built (placeholder)');
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
