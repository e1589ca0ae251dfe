/**
 * The CDRi simulator in its own process (HL7 ingest benchmark): the gateway then talks to it as to a remote
 * insurer (CDRI_ENDPOINT), and the simulator's own CPU (SOAP parsing, answers) is not charged to the gateway's
 * event loop. Parent sends { type: 'start', latencyMs }; we answer { type: 'ready', url } and run until the
 * parent disconnects.
 */
import { CdriSimulator } from '../../src/simulators/cdri/cdri-simulator';

process.once('message', (m: { type: 'start'; latencyMs: number }) => {
  const simulator = new CdriSimulator({ port: 0, latencyMs: m.latencyMs });
  simulator.start().then(
    ({ url }) => process.send?.({ type: 'ready', url }),
    (err: Error) => process.send?.({ type: 'error', message: err.message }, () => process.exit(1)),
  );
  process.once('disconnect', () => void simulator.stop().finally(() => process.exit(0)));
});
