import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Authenticator, type CredentialSource } from '../access/authenticator';
import type { Principal } from '../access/roles';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { CONFIG } from '../platform/tokens';
import { RateLimiter } from './rate-limiter';
import { admittedRoles, ROUTE_DOC, type RouteDoc } from './route-doc';

export interface AuthenticatedRequest extends CredentialSource {
  /** Set by AccessGuard: always on secured routes, on anonymous ones when valid credentials were presented. */
  principal?: Principal;
}

/**
 * The one gate of every route (a global guard, after the route-label guard): authenticates the caller
 * (src/access/authenticator.ts), checks the route's declared roles, then spends one token of the client's rate
 * limit. No or bad credentials → 401; authenticated without the role → 403. A route without a declaration is
 * refused here too (and already at boot, by declaredRoutes).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly auth: Authenticator;
  private readonly limiter: RateLimiter;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.auth = new Authenticator(config.access);
    this.limiter = new RateLimiter(config.access.ratePerMinute, config.access.burst);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const doc = Reflect.getMetadata(ROUTE_DOC, context.getHandler()) as RouteDoc | undefined;
    if (!doc) throw new GatewayError('FORBIDDEN', 'This route declares no roles');
    const roles = admittedRoles(doc);
    if (!roles) {
      // Anonymous routes still learn who is calling when it can be told (an operator sees /health in detail).
      req.principal = await this.auth.authenticate(req).catch(() => undefined);
      return true;
    }
    const principal = await this.auth.authenticate(req);
    if (!principal) throw new GatewayError('UNAUTHENTICATED', 'Authentication required: API key, client certificate or bearer token');
    if (!principal.roles.some((r) => roles.includes(r)))
      throw new GatewayError(
        'FORBIDDEN',
        `This route needs one of the roles ${roles.join(', ')}; client ${principal.clientId} has none of them`,
      );
    this.limiter.take(principal.clientId);
    req.principal = principal;
    return true;
  }
}

/** The authenticated caller of a secured route: `@Caller() caller: Principal`. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new GatewayError('UNAUTHENTICATED', 'Authentication required');
  return principal;
});

/** The caller of an anonymous route, when it presented valid credentials. */
export const OptionalCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined => context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
