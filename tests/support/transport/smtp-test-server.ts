/**
 * In-process SMTP server (smtp-server) standing in for an insurer's mail gateway in tests, the demo and benches:
 * real sockets on 127.0.0.1, optional AUTH and STARTTLS, every message kept raw and parsed (mailparser).
 *
 * Faults are injected per message, in order: reply 4xx/5xx to DATA, or drop the TCP connection either before the
 * data is accepted or after it was stored (the "sent but never acknowledged" case that makes a sender repeat).
 * Repeats are counted by `X-Passerelle-Idempotency-Key`, as a receiver deduplicating lots would.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** Constructor options of SmtpTestServer. */
export interface SmtpTestServerOptions {
  /** Required credentials; without it the server accepts mail without AUTH. */
  auth?: { user: string; pass: string };
  /** Certificate and key for STARTTLS; without it STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Refuse MAIL FROM before STARTTLS (530). Default: true when `tls` is given. */
  requireTls?: boolean;
  /** Largest message accepted, in bytes (552 above). Default 50 MB. */
  maxMessageBytes?: number;
}

/** One message the server stored (accepted, or stored then dropped before replying). */
export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  envelope: { from: string; to: string[] };
  /** Value of X-Passerelle-Idempotency-Key, if any. */
  idempotencyKey?: string;
  /** Whether the session was under TLS when the message came. */
  secure: boolean;
  authenticatedUser?: string;
  receivedAt: Date;
  /** false when the server stored the message but dropped the connection instead of answering 250. */
  acknowledged: boolean;
}

/** What the server does to the next messages. */
export type SmtpFault = { kind: 'reply'; code: number; message?: string } | { kind: 'drop'; when: 'before-data' | 'after-data' };

interface Waiter {
  n: number;
  resolve: () => void;
}

/** Real SMTP server for tests; see file comment. */
export class SmtpTestServer {
  private server?: SMTPServer;
  private listenPort = 0;
  private readonly received: ReceivedMail[] = [];
  private readonly faults: SmtpFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters: Waiter[] = [];
  /** Sessions that reached DATA, including faulted ones. */
  dataAttempts = 0;

  constructor(private readonly opts: SmtpTestServerOptions = {}) {}

  /** Starts listening on 127.0.0.1 (ephemeral port unless given); resolves with the port. */
  async start(port = 0): Promise<number> {
    const o = this.opts;
    const requireTls = o.requireTls ?? o.tls !== undefined;
    const server = new SMTPServer({
      name: 'insurer-smtp.test',
      logger: false,
      secure: false,
      key: o.tls?.key,
      cert: o.tls?.cert,
      hideSTARTTLS: false,
      disabledCommands: o.tls ? [] : ['STARTTLS'],
      authOptional: !o.auth,
      allowInsecureAuth: !o.tls,
      size: o.maxMessageBytes ?? 50 * 1024 * 1024,
      onAuth: (auth, _session, cb) => {
        if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) cb(null, { user: auth.username });
        else cb(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
      },
      onMailFrom: (_addr, session, cb) => {
        if (requireTls && !session.secure) {
          cb(Object.assign(new Error('Must issue a STARTTLS command first'), { responseCode: 530 }));
        } else cb();
      },
      onData: (stream, session, cb) => void this.onData(stream, session, cb),
    });
    server.on('error', () => undefined); // socket errors of dropped clients are expected here
    // Kept to be able to drop a client's TCP connection without answering (smtp-server has no API for it).
    server.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.server.address();
    this.listenPort = typeof addr === 'object' && addr ? addr.port : port;
    return this.listenPort;
  }

  get port(): number {
    return this.listenPort;
  }

  /** The next `count` messages get `fault` (queued after faults already set). */
  failNext(count: number, fault: SmtpFault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Shorthand: the next `count` messages get an SMTP reply `code` (e.g. 451, 554) to DATA. */
  rejectNext(count: number, code: number, message?: string): void {
    this.failNext(count, { kind: 'reply', code, message });
  }

  /** Shorthand: the next `count` connections are dropped at DATA, before or after storing the message. */
  dropNext(count: number, when: 'before-data' | 'after-data' = 'before-data'): void {
    this.failNext(count, { kind: 'drop', when });
  }

  /** Every stored message, in arrival order. */
  messages(): ReceivedMail[] {
    return [...this.received];
  }

  /** Resolves once at least `n` messages are stored. */
  waitForMessages(n: number, timeoutMs = 20_000): Promise<ReceivedMail[]> {
    if (this.received.length >= n) return Promise.resolve(this.messages());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SmtpTestServer: ${n} messages not received`)), timeoutMs);
      timer.unref();
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.messages());
        },
      });
    });
  }

  /** Stored messages per idempotency key. */
  countsByIdempotencyKey(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.received) {
      if (m.idempotencyKey) counts.set(m.idempotencyKey, (counts.get(m.idempotencyKey) ?? 0) + 1);
    }
    return counts;
  }

  /** Messages whose idempotency key was already seen: what a deduplicating receiver would drop. */
  duplicateCount(): number {
    let dup = 0;
    for (const c of this.countsByIdempotencyKey().values()) dup += c - 1;
    return dup;
  }

  /** Forgets stored messages and pending faults. */
  reset(): void {
    this.received.length = 0;
    this.faults.length = 0;
    this.dataAttempts = 0;
  }

  /** Stops listening and closes client connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    cb: (err?: Error | null, message?: string) => void,
  ): Promise<void> {
    this.dataAttempts++;
    const fault = this.faults.shift();
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      return cb(err as Error);
    }
    if (stream.sizeExceeded) return cb(Object.assign(new Error('Message too large'), { responseCode: 552 }));
    if (fault?.kind === 'reply') {
      return cb(Object.assign(new Error(fault.message ?? `Injected ${fault.code}`), { responseCode: fault.code }));
    }
    if (fault?.kind === 'drop' && fault.when === 'before-data') return this.drop(session);
    const raw = Buffer.concat(chunks);
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw);
    } catch (err) {
      return cb(Object.assign(new Error('Unparseable message'), { responseCode: 554, cause: err }));
    }
    const key = parsed.headers.get('x-passerelle-idempotency-key');
    const acknowledged = fault === undefined;
    this.received.push({
      raw,
      parsed,
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      idempotencyKey: typeof key === 'string' ? key : undefined,
      secure: session.secure,
      authenticatedUser: typeof session.user === 'string' ? session.user : undefined,
      receivedAt: new Date(),
      acknowledged,
    });
    this.notifyWaiters();
    if (!acknowledged) return this.drop(session);
    cb(null, `Queued as ${session.id}`);
  }

  private drop(session: SMTPServerSession): void {
    for (const s of this.sockets) {
      if (s.remotePort === session.remotePort) s.destroy();
    }
  }

  private notifyWaiters(): void {
    for (const w of [...this.waiters]) {
      if (this.received.length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}
