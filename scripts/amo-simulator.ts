import { readFileSync } from 'node:fs';
import { ConfigError } from '../src/config/load-config';
import { ConfigReader } from '../src/config/config-readers';
import { AmoSimulator, type AmoSimulatorFaults } from '../src/simulators/amo/amo-simulator';

/**
 * Runs the AMO simulator alone (manual tests, docker compose). Variables of this script only (the gateway does not
 * read them; embedded mode starts the simulator itself):
 *   AMO_SIM_HOST (127.0.0.1), AMO_SIM_SMTP_PORT (2525), AMO_SIM_RETURNS_DIR, AMO_SIM_DROP_DIR (optional),
 *   AMO_SIM_DECRYPT_CERT_FILE / AMO_SIM_DECRYPT_KEY_FILE (lots are encrypted to it),
 *   AMO_SIM_SIGN_CERT_FILE / AMO_SIM_SIGN_KEY_FILE / AMO_SIM_SIGN_CHAIN_FILE (optional; seals the returns),
 *   AMO_SIM_TRUST_STORE_FILE (CA(s) of the hospitals' seals), AMO_SIM_RETURN_RECIPIENT_CERT_FILE (the hospital's
 *   decryption certificate), AMO_SIM_ARL_DELAY_MS (1000), AMO_SIM_RSP_DELAY_MS (5000),
 *   AMO_SIM_FAULTS (comma list of loseArl, duplicateReturn, refuseFile).
 */
const FAULTS = ['loseArl', 'duplicateReturn', 'refuseFile'] as const;

async function main(): Promise<void> {
  const r = new ConfigReader(process.env, {
    AMO_SIM_HOST: '127.0.0.1',
    AMO_SIM_SMTP_PORT: 2525,
    AMO_SIM_ARL_DELAY_MS: 1000,
    AMO_SIM_RSP_DELAY_MS: 5000,
  });
  const read = (name: string): string => {
    const path = r.file(name);
    if (path === undefined) r.errors.push(`${name}: required`);
    return path === undefined ? '' : readFileSync(path, 'utf8');
  };
  const chainFile = r.file('AMO_SIM_SIGN_CHAIN_FILE');
  const faults: AmoSimulatorFaults = {};
  for (const f of (r.optionalString('AMO_SIM_FAULTS') ?? '').split(',').map((s) => s.trim())) {
    if (f === '') continue;
    if ((FAULTS as readonly string[]).includes(f)) faults[f as (typeof FAULTS)[number]] = true;
    else r.errors.push(`AMO_SIM_FAULTS: unknown fault (expected ${FAULTS.join(', ')})`);
  }
  const options = {
    host: r.string('AMO_SIM_HOST'),
    smtpPort: r.int('AMO_SIM_SMTP_PORT', 0, 65535),
    returnsDir: r.string('AMO_SIM_RETURNS_DIR'),
    dropDir: r.optionalString('AMO_SIM_DROP_DIR'),
    decryption: { certPem: read('AMO_SIM_DECRYPT_CERT_FILE'), keyPem: read('AMO_SIM_DECRYPT_KEY_FILE') },
    signing: {
      certPem: read('AMO_SIM_SIGN_CERT_FILE'),
      keyPem: read('AMO_SIM_SIGN_KEY_FILE'),
      chainPem: chainFile ? readFileSync(chainFile, 'utf8') : undefined,
    },
    trustStorePem: read('AMO_SIM_TRUST_STORE_FILE'),
    returnRecipientCertPem: read('AMO_SIM_RETURN_RECIPIENT_CERT_FILE'),
    arlDelayMs: r.int('AMO_SIM_ARL_DELAY_MS', 0, 3_600_000),
    rspDelayMs: r.int('AMO_SIM_RSP_DELAY_MS', 0, 86_400_000),
    faults,
  };
  if (r.errors.length) throw new ConfigError(r.errors);
  const sim = new AmoSimulator(options);
  const { smtpPort } = await sim.start();
  process.stdout.write(`${JSON.stringify({ msg: 'AMO simulator listening', smtpPort, returnsDir: options.returnsDir })}\n`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
