/** A typed key for a service one flow publishes to the flows built after it. */
export class ServiceKey<T> {
  // The phantom field keeps T in the type, so get() is typed by its key.
  declare readonly _type?: T;
  constructor(readonly name: string) {}
}

/**
 * Services flows share by key, never by import of each other's internals (e.g. the transmission outbox that every
 * billing flow sends its lots through). Published during build(), in registry order.
 */
export class ServiceRegistry {
  private readonly services = new Map<ServiceKey<unknown>, unknown>();

  provide<T>(key: ServiceKey<T>, value: T): void {
    if (this.services.has(key)) throw new Error(`Service ${key.name} is already provided`);
    this.services.set(key, value);
  }

  get<T>(key: ServiceKey<T>): T | undefined {
    return this.services.get(key) as T | undefined;
  }

  require<T>(key: ServiceKey<T>, by: string): T {
    const value = this.get(key);
    if (value === undefined) throw new Error(`${by} needs the ${key.name} service: register its flow before ${by} and configure it`);
    return value;
  }
}
