import { createRedisBackend } from 'bullmq';
import IORedis from 'ioredis';
import { type BackendConnectionOptions, BullmqBackend, type ErrorSink } from './bullmq-backend';
import type { RedisQueueConfig } from './queue-backend';

/**
 * Queues share one producer connection that fails fast when Redis is away
 * (enableOfflineQueue: false — an HTTP handler should get a 503, not hang).
 * Each worker gets BullMQ-owned connections built from options with
 * maxRetriesPerRequest: null, which BullMQ requires for blocking commands so
 * a Redis restart makes them wait for the reconnect instead of failing.
 */
export class RedisBullBackend extends BullmqBackend {
  readonly kind = 'redis' as const;
  // Explicit: BullMQ's default factory is process-wide and can be switched by setDefaultBackendFactory().
  protected readonly factory = createRedisBackend;
  private producer?: IORedis;

  constructor(
    private readonly cfg: RedisQueueConfig,
    onError: ErrorSink,
  ) {
    super(onError);
  }

  protected async doPrepare(): Promise<void> {
    const producer = this.connectProducer();
    if (producer.status === 'wait') await producer.connect();
    const pong = await producer.ping();
    if (pong !== 'PONG') throw new Error(`Unexpected Redis PING reply: ${String(pong)}`);
  }

  protected queueConnection(): BackendConnectionOptions {
    // A shared instance is not closed by Queue.close(); closeConnections() quits it.
    return { connection: this.connectProducer(), prefix: this.cfg.prefix };
  }

  protected workerConnection(): BackendConnectionOptions {
    // BullMQ accepts `url` next to ioredis options and builds (and owns) the connections.
    return { connection: { url: this.cfg.url, maxRetriesPerRequest: null }, prefix: this.cfg.prefix };
  }

  protected async doPing(): Promise<boolean> {
    const producer = this.connectProducer();
    if (producer.status === 'wait') await producer.connect();
    return (await producer.ping()) === 'PONG';
  }

  protected async closeConnections(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (!producer || producer.status === 'end') return;
    // quit() waits for a reply; when Redis is down that never comes, so disconnect instead.
    if (producer.status === 'ready') await producer.quit().catch(() => producer.disconnect());
    else producer.disconnect();
  }

  /** Lazy so constructing the backend (e.g. in DI) opens nothing. */
  private connectProducer(): IORedis {
    if (!this.producer) {
      this.producer = new IORedis(this.cfg.url, { lazyConnect: true, enableOfflineQueue: false });
      // Without a listener ioredis prints every reconnect error to the console.
      this.producer.on('error', (err: Error) => this.onError(err, 'redis:producer'));
    }
    return this.producer;
  }
}
