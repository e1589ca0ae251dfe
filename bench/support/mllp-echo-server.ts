/**
 * Baseline for the ingest benchmark: a raw node:net MLLP server that frames the bytes with the same framer and
 * answers a fixed AA at once — no HL7 parsing, no storage. What the transport alone costs on this machine.
 */
import * as net from 'node:net';
import { encodeFrame, MllpFramer } from '../../src/hl7/mllp/mllp-framer';

const FIXED_ACK = encodeFrame(
  Buffer.from('MSH|^~\\&|PASSERELLE|PASSERELLE|GAP-TEST|990000010|20250115083500||ACK^A01^ACK|ECHO000001|P|2.5\rMSA|AA|ECHO\r', 'latin1'),
);

export async function startMllpEchoServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new MllpFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(chunk)) if (ev.type === 'frame') socket.write(FIXED_ACK);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
