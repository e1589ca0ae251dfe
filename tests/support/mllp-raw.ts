import net from 'node:net';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { encodeFrame } from '../../src/hl7/mllp/mllp-framer';

/** What a peer got for one frame: the ACK bytes, or a connection closed without any answer. */
export type FrameOutcome = { ack: Buffer; closed: false } | { ack?: undefined; closed: true };

/** Opens a connection, sends one framed payload, and resolves with the first answer — or the close without one. */
export function sendOnce(port: number, payload: Buffer): Promise<FrameOutcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let done = false;
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf(0x1c);
      if (end === -1 || done) return;
      done = true;
      socket.end();
      resolve({ ack: buf.subarray(buf.indexOf(0x0b) + 1, end), closed: false });
    });
    socket.on('close', () => {
      if (!done) resolve({ closed: true });
      done = true;
    });
    socket.on('error', (err) => {
      if (!done && (err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    socket.on('connect', () => socket.write(encodeFrame(payload)));
  });
}

/** MSA-1 and the ERR entries as `SEG^seq^field severity code` (ERR-2, ERR-4, ERR-3.1). */
export function ackSummary(ack: Buffer): { code: string; errors: string[]; texts: string[] } {
  const msg = parseHl7(ack);
  const errs = msg.segmentsNamed('ERR');
  return {
    code: msg.get('MSA', 1, 1),
    errors: errs.map((_, i) => `${msg.raw('ERR', i + 1, 2)} ${msg.get('ERR', i + 1, 4)} ${msg.get('ERR', i + 1, 3)}`),
    texts: errs.map((_, i) => msg.get('ERR', i + 1, 8)),
  };
}
