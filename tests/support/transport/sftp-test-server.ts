/**
 * In-process SFTP server (ssh2) standing in for an insurer's SFTP drop in tests, the demo and benches: real SSH on
 * 127.0.0.1 with a generated ed25519 host key, password and/or public-key authentication, and a real SFTP
 * subsystem serving a (temporary) local directory as `/`.
 *
 * Faults: the next N uploads (OPEN for writing) can be refused at OPEN, fail after their first WRITE (leaving a
 * partial temporary file), have their connection dropped after the first WRITE, or stall (WRITEs after the first
 * are never answered).
 */
import { timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthContext, type Connection, type ParsedKey, Server, utils } from 'ssh2';
import { sshFingerprintSha256 } from '../../../src/transport/channels/sftp-session';
import { serveDirectory, type UploadFault } from './sftp-directory-backend';

/** Constructor options of SftpTestServer. */
export interface SftpTestServerOptions {
  /** Directory served as `/`; default a fresh temporary directory, deleted by stop(). */
  root?: string;
  /** Default `hospital`. */
  username?: string;
  password?: string;
  /** Authorized client public key (OpenSSH `ssh-ed25519 AAAA…` line or PEM). */
  authorizedKey?: string | Buffer;
  /** Host private key; default a generated ed25519 key. */
  hostKey?: string | Buffer;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseOrThrow(key: string | Buffer, what: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw new Error(`SftpTestServer: invalid ${what}: ${parsed.message}`);
  return parsed;
}

/**
 * An ed25519 key pair ssh2 can read back. ssh2's own generator drops the leading zero byte of a public key that starts
 * with one (10 keys in 3,000 here), and then refuses the key it made ("Malformed OpenSSH private key"): with a host key
 * per test server, a suite failed now and then (seen in a CI run). Such pairs are drawn again.
 */
export function generateSshKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

/** Real SFTP server for tests; see file comment. */
export class SftpTestServer {
  /** Directory served as `/`. */
  readonly root: string;
  /** `SHA256:…` fingerprint of the host key, to pin in clients. */
  readonly hostKeyFingerprint: string;
  /** Uploads opened / connections accepted since start, for assertions. */
  uploadsOpened = 0;
  connections = 0;
  private readonly ownsRoot: boolean;
  private readonly hostKey: string | Buffer;
  private readonly authorizedKey?: ParsedKey;
  private readonly faults: UploadFault[] = [];
  private readonly clients = new Set<Connection>();
  private server?: Server;
  private listenPort = 0;

  constructor(private readonly opts: SftpTestServerOptions = {}) {
    this.ownsRoot = !opts.root;
    this.root = opts.root ?? mkdtempSync(join(tmpdir(), 'sftp-test-'));
    this.hostKey = opts.hostKey ?? generateSshKeyPair().private;
    this.hostKeyFingerprint = sshFingerprintSha256(parseOrThrow(this.hostKey, 'host key').getPublicSSH());
    this.authorizedKey = opts.authorizedKey ? parseOrThrow(opts.authorizedKey, 'authorized key') : undefined;
  }

  /** Starts listening on 127.0.0.1 (ephemeral port unless given); resolves with the port. */
  async start(port = 0): Promise<number> {
    const server = new Server({ hostKeys: [this.hostKey] }, (client) => this.onClient(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as AddressInfo).port;
    return this.listenPort;
  }

  get port(): number {
    return this.listenPort;
  }

  /** The next `count` uploads get `fault` (queued after faults already set). */
  failNextUploads(count: number, fault: UploadFault = 'fail-write'): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Stops listening, drops clients, deletes the root if it created it. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.clients) c.end();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  private onClient(client: Connection): void {
    this.connections++;
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => undefined); // clients we drop on purpose end with socket errors
    client.on('authentication', (ctx) => this.authenticate(ctx));
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          serveDirectory(acceptSftp(), this.root, {
            onUploadOpen: () => {
              this.uploadsOpened++;
              return this.faults.shift();
            },
            disconnect: () => client.end(),
          });
        });
      });
    });
  }

  private authenticate(ctx: AuthContext): void {
    if (!sameText(ctx.username, this.opts.username ?? 'hospital')) return ctx.reject();
    if (ctx.method === 'password' && this.opts.password !== undefined) {
      return sameText(ctx.password, this.opts.password) ? ctx.accept() : ctx.reject();
    }
    const allowed = this.authorizedKey;
    if (ctx.method === 'publickey' && allowed) {
      if (ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject();
      // Without a signature the client only asks whether the key would be accepted.
      if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
      return ctx.accept();
    }
    const methods: Array<'password' | 'publickey'> = [];
    if (this.opts.password !== undefined) methods.push('password');
    if (allowed) methods.push('publickey');
    ctx.reject(methods);
  }
}
