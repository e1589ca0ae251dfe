/**
 * The doors lots come in by: an SMTP server (smtp-server) taking one message per lot, accepted first and handed over
 * after (the front end of an insurer queues what it receives), and optionally a drop folder polled for `*.p7m` files
 * (hidden and temporary names skipped; files are left in place so that the file-drop channel still sees them
 * delivered). What to do with a lot is the caller's (`onLot`).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { lotAttachmentOf } from './lot-mail';

export interface AmoLotIntakeOptions {
  readonly host: string;
  readonly smtpPort: number;
  readonly smtpTls?: { keyPem: string; certPem: string };
  readonly dropDir?: string;
  readonly dropPollMs: number;
  /** A lot arrived: its file name and bytes. Failures are the caller's to record (its promise should not reject). */
  readonly onLot: (fileName: string, bytes: Buffer) => Promise<void>;
  /** A message without a lot attachment (refused 554). */
  readonly onUnidentified: () => void;
}

const MAX_MESSAGE_BYTES = 200 * 1024 * 1024;

export class AmoLotIntake {
  private server?: SMTPServer;
  private dropTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly seenDropFiles = new Set<string>();

  constructor(private readonly opts: AmoLotIntakeOptions) {}

  /** Listens; resolves with the SMTP port. */
  async start(): Promise<number> {
    this.stopped = false;
    const tls = this.opts.smtpTls;
    const server = new SMTPServer({
      name: 'amo-simulator.local',
      logger: false,
      secure: false,
      key: tls?.keyPem,
      cert: tls?.certPem,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      authOptional: true,
      size: MAX_MESSAGE_BYTES,
      onData: (stream, _session, cb) => void this.onData(stream, cb),
    });
    server.on('error', () => undefined); // a client hanging up mid-session is not the simulator's failure
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.opts.smtpPort, this.opts.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    if (this.opts.dropDir !== undefined) this.scheduleDropScan();
    const addr = server.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onData(stream: SMTPServerDataStream, cb: (err?: Error | null, message?: string) => void): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      return cb(err as Error);
    }
    if (stream.sizeExceeded) return cb(Object.assign(new Error('Message too large'), { responseCode: 552 }));
    const lot = lotAttachmentOf(Buffer.concat(chunks));
    if (lot === undefined) {
      this.opts.onUnidentified();
      return cb(Object.assign(new Error('No lot attachment (*.p7m) in the message'), { responseCode: 554 }));
    }
    cb(null, 'Lot queued');
    void this.opts.onLot(lot.fileName, lot.content);
  }

  private scheduleDropScan(): void {
    if (this.stopped) return;
    this.dropTimer = setTimeout(() => {
      void this.scanDropDir()
        .catch(() => undefined) // an unreadable folder is tried again at the next tick
        .finally(() => this.scheduleDropScan());
    }, this.opts.dropPollMs);
  }

  private async scanDropDir(): Promise<void> {
    const dir = this.opts.dropDir as string;
    for (const name of await readdir(dir)) {
      if (this.stopped) return;
      if (name.startsWith('.') || !name.toLowerCase().endsWith('.p7m') || this.seenDropFiles.has(name)) continue;
      this.seenDropFiles.add(name);
      await this.opts.onLot(name, await readFile(join(dir, name)));
    }
  }
}
