import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { joinPath, routeLabel } from './route-doc';

const LABEL = Symbol('route-label');
const labels = new WeakMap<object, string>();

/** The route template of the handler that serves this request ('POST /fhir/Task/:id'), cached per handler. */
export function labelOf(context: ExecutionContext): string {
  const handler = context.getHandler();
  let label = labels.get(handler);
  if (!label) {
    const base = String(Reflect.getMetadata(PATH_METADATA, context.getClass()) ?? '');
    const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
    const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
    label = routeLabel(RequestMethod[verb] ?? 'GET', joinPath(base, sub));
    labels.set(handler, label);
  }
  return label;
}

/** Read by the error filter, which Nest gives no handler: 'unmatched' when no route was found. */
export function requestLabel(req: object): string {
  return (req as { [LABEL]?: string })[LABEL] ?? 'unmatched';
}

/**
 * Runs first on every matched route (a global guard; route guards run after it) and stamps the route template on
 * the request, so that errors thrown by later guards are still counted under their route.
 */
@Injectable()
export class RouteContextGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    context.switchToHttp().getRequest<{ [LABEL]?: string }>()[LABEL] = labelOf(context);
    return true;
  }
}
