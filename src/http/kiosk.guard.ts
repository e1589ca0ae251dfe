import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../platform/tokens';
import { AppConfig } from '../config/app-config';
import { KioskAuthenticator } from './kiosk-auth';
import { RateLimiter } from './rate-limiter';

/** The adapter's request (Express or Fastify): headers, the node socket (for mutual TLS) and the kiosk id we set. */
export interface KioskRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: unknown;
  raw?: { socket?: unknown };
  kioskId?: string;
}

/** Authenticates the kiosk, then spends one token of its rate limit. */
@Injectable()
export class KioskGuard implements CanActivate {
  private readonly auth: KioskAuthenticator;
  private readonly limiter: RateLimiter;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.auth = new KioskAuthenticator(config.kiosk.apiKeys, config.kiosk.demoKey);
    this.limiter = new RateLimiter(config.kiosk.ratePerMinute, config.kiosk.burst);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<KioskRequest>();
    const kioskId = this.auth.authenticate(req);
    this.limiter.take(kioskId);
    req.kioskId = kioskId;
    return true;
  }
}
