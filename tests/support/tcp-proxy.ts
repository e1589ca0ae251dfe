import net from 'node:net';

/**
 * A TCP proxy the test owns, in front of a real server (here the shared PostgreSQL): `cut()` drops every proxied
 * connection and refuses new ones — to the gateway, exactly a database outage — without touching the server other
 * tests use; `restore()` forwards again.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly pairs = new Set<net.Socket>();
  private down = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      if (this.down) return void client.destroy();
      const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.pairs.add(s);
        s.on('close', () => this.pairs.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** The outage: established connections reset, new ones closed on accept. */
  cut(): void {
    this.down = true;
    for (const s of this.pairs) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
