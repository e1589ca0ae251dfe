import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { CONFIG } from '../app/tokens';
import { AppConfig } from '../config/app-config';
import { KioskAuthenticator } from './kiosk-auth';
import { RateLimiter } from './rate-limiter';

export type KioskRequest = Request & { kioskId?: string };

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
