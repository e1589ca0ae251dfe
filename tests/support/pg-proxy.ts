import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy between the gateway and the shared local PostgreSQL, which the tests must never stop or restart (other
 * test runs use it). It plays what a client sees of a database in trouble:
 * - `stall()`: bytes stop flowing both ways (a hung server, a partition that drops packets) until `resume()`;
 * - `restart(downMs)`: every connection cut and new ones refused for a while, then accepted again — what clients
 *   see of a PostgreSQL restart (`pg_ctl restart -m fast`);
 * - `cut()` … `restore()`: the same outage for as long as the test wants (connections reset, new ones closed on accept).
 */
export class PgProxy {
  private server?: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private stalled = false;
  private down = false;
  private readonly held: Array<() => void> = [];
  port = 0;

  constructor(private readonly target = { host: '127.0.0.1', port: 5432 }) {}

  async start(port = 0): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** `url` (a database on the target) as reached through this proxy. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.host = `127.0.0.1:${this.port}`;
    return u.toString();
  }

  get connections(): number {
    return this.pairs.size;
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const flush of this.held.splice(0)) flush();
  }

  /** The outage, until restore(): established connections reset, new ones closed as soon as they are accepted. */
  cut(): void {
    this.down = true;
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.down = false;
  }

  /** Cuts every connection, refuses new ones (port closed) for `downMs`, then listens again on the same port. */
  async restart(downMs: number): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
    await closed;
    await new Promise((r) => setTimeout(r, downMs));
    await this.start(this.port);
  }

  async stop(): Promise<void> {
    this.resume();
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }

  private accept(client: Socket): void {
    if (this.down) return void client.destroy();
    const upstream = connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (!this.stalled) return void to.write(chunk);
        // Held in order: a stalled peer receives nothing until resume(), then everything as sent.
        from.pause();
        this.held.push(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        });
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }
}
