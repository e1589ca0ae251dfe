import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AmoSimulatorConfig } from '../config/amo-simulator-config';
import type { AppConfig } from '../config/app-config';
import { ConfigReader } from '../config/config-readers';
import { ConfigError, readDefaults } from '../config/load-config';
import { readTransportConfig, type TransportConfig } from '../config/transport-config';
import type { AppLogger } from '../observability/logger';
import { AmoSimulator } from '../simulators/amo/amo-simulator';
import { ensureSimulationPki, type SimulationPki } from './embedded-billing-pki';

/** The transmission recipient that stands for every caisse in full simulation. */
export const AMO_SIMULATOR_RECIPIENT = 'amo-sim';
/** `.invalid` (RFC 2606): an address that can never reach a real mail server. */
const AMO_SIMULATOR_MAILBOX = 'lots@amo-simulateur.invalid';
/** Returns are dropped within seconds by the simulator: the poller looks often so the demo moves. */
const RETURNS_POLL_INTERVAL_MS = 500;

/** Where a full simulation keeps its files, under AmoSimulatorConfig.dir. */
export function simulationPaths(dir: string): { pki: string; returns: string; spool: string; recipients: string } {
  return {
    pki: join(dir, 'pki'),
    returns: join(dir, 'returns'),
    spool: join(dir, 'spool'),
    recipients: join(dir, 'fides-recipients.json'),
  };
}

/**
 * The transport configuration an operator would write to bill the AMO simulator, read by the same reader as the
 * environment (same checks, same defaults for everything not named here): seal, trust store, decryption key and
 * the insurer's certificates from the simulation PKI; SMTP in plaintext to the simulator on the loopback (the lot
 * itself is sealed and encrypted); returns from the folder the simulator drops them into.
 */
export function simulatedTransportConfig(pki: SimulationPki, dir: string, smtpPort: number, defaults = readDefaults()): TransportConfig {
  const where = simulationPaths(dir);
  const env = {
    SIGNING_SEAL_P12_FILE: pki.seal.p12File,
    SIGNING_SEAL_P12_PASSWORD: pki.password,
    SIGNING_TRUST_STORE_FILE: pki.trustStoreFile,
    TRANSPORT_DECRYPT_P12_FILE: pki.decrypt.p12File,
    TRANSPORT_DECRYPT_P12_PASSWORD: pki.password,
    TRANSMISSION_RECIPIENT_CERTS: `${AMO_SIMULATOR_RECIPIENT}:${pki.amoEncryption.certFile}`,
    TRANSMISSION_RECIPIENTS: `${AMO_SIMULATOR_RECIPIENT}:smtp:${AMO_SIMULATOR_MAILBOX}`,
    RETURNS_SIGNERS: `${AMO_SIMULATOR_RECIPIENT}:${pki.amoSigning.certFile}`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: smtpPort,
    SMTP_SECURITY: 'insecure-plaintext',
    SMTP_FROM: `facturation-${pki.finess}@passerelle-simulation.invalid`,
    TRANSMISSION_SPOOL_DIR: where.spool,
    RETURNS_DIR: where.returns,
    RETURNS_POLL_INTERVAL_MS: RETURNS_POLL_INTERVAL_MS,
  };
  const r = new ConfigReader(env, defaults);
  const transport = readTransportConfig(r);
  // Our own files: a problem here is a bug (or a damaged data directory), said like any configuration problem.
  const problems = [...r.errors, ...r.exposedKeyFiles];
  if (problems.length > 0 || !transport) throw new ConfigError(problems.map((p) => `simulated billing: ${p}`));
  return transport;
}

/**
 * Full simulation: makes (or reuses) the simulation PKI, starts the AMO simulator on the loopback, and returns the
 * configuration with the transport section pointing at it and every caisse routed to it.
 */
export async function startAmoSimulator(
  config: AppConfig,
  sim: AmoSimulatorConfig,
  log: AppLogger,
): Promise<{ config: AppConfig; amo: AmoSimulator }> {
  const where = simulationPaths(sim.dir);
  // Private like the PKI inside it: the spool and the returns hold (encrypted) billing files.
  await mkdir(sim.dir, { recursive: true, mode: 0o700 });
  await chmod(sim.dir, 0o700);
  // The seal's OU carries the FINESS juridique that emits the B2 files.
  const pki = await ensureSimulationPki(where.pki, config.fides?.lots.emitterFiness ?? config.establishmentFiness, log);
  await mkdir(where.returns, { recursive: true, mode: 0o700 });
  const amo = new AmoSimulator({
    host: '127.0.0.1',
    smtpPort: sim.smtpPort,
    decryption: { keyPem: pki.amoEncryption.keyPem, certPem: pki.amoEncryption.certPem },
    signing: { keyPem: pki.amoSigning.keyPem, certPem: pki.amoSigning.certPem, chainPem: pki.intermediateCaPem },
    trustStorePem: pki.rootCaPem + pki.intermediateCaPem,
    returnRecipientCertPem: pki.decrypt.certPem,
    returnsDir: where.returns,
    arlDelayMs: sim.arlDelayMs,
    rspDelayMs: sim.rspDelayMs,
  });
  const { smtpPort } = await amo.start();
  try {
    const transport = simulatedTransportConfig(pki, sim.dir, smtpPort);
    log.warn(
      { smtpPort, recipient: AMO_SIMULATOR_RECIPIENT, returnsDir: where.returns },
      'AMO simulator listening (SMTP on the loopback): every FIDES lot goes to it, sealed with the SIMULATION PKI',
    );
    // The FIDES recipients directory of the simulation: every caisse → the AMO simulator.
    await writeFile(where.recipients, JSON.stringify({ default: AMO_SIMULATOR_RECIPIENT }, null, 2) + '\n', { mode: 0o600 });
    const simulation = { recipientId: AMO_SIMULATOR_RECIPIENT, recipientsFile: where.recipients };
    const fides = config.fides && { ...config.fides, simulation };
    return { config: { ...config, transport, fides }, amo };
  } catch (err) {
    await amo.stop();
    throw err;
  }
}
