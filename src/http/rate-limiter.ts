import { GatewayError } from '../common/gateway-error';

/**
 * Token bucket per client, in memory: each client (kiosk, scheduler…) gets `perMinute` requests a minute with bursts up to `burst`.
 * Per process — several gateway replicas each allow the full rate (stated in the README).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    perMinute: number,
    private readonly burst: number,
    private readonly now = () => Date.now(),
  ) {
    this.perMs = perMinute / 60000;
  }

  take(clientId: string): void {
    const t = this.now();
    const b = this.buckets.get(clientId) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + (t - b.at) * this.perMs);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(clientId, b);
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
      throw new GatewayError('RATE_LIMITED', `Rate limit of this client exceeded; retry after ${retryAfter} s`, undefined, retryAfter);
    }
    b.tokens -= 1;
    this.buckets.set(clientId, b);
  }
}
