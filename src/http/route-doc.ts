import { applyDecorators, HttpCode, RequestMethod, SetMetadata, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { Role } from '../access/roles';

export const ROUTE_DOC = 'passerelle:route-doc';

/** FHIR interactions a route can be (REST API, https://hl7.org/fhir/R4/http.html): `batch` is system-level (POST /fhir). */
export type FhirRouteKind = 'operation' | 'read' | 'create' | 'update' | 'delete' | 'search-type' | 'batch' | 'capabilities';

/** How a route is described in OpenAPI and, for FHIR routes, in the CapabilityStatement. */
export interface RouteDoc {
  summary: string;
  tag: 'FHIR' | 'Lots' | 'Transport' | 'Operations';
  /** Media type of the request body, when there is one; a route without it answers 415 to a body, unread. */
  body?: 'application/fhir+json' | 'application/json' | 'text/csv' | 'text/plain' | 'application/octet-stream';
  /** Largest body accepted (bytes), required with `body`: read after the guards, 413 as soon as it is passed. */
  maxBodyBytes?: number;
  /** 'stream': the handler gets the body as a bounded stream to write to disk (lot uploads), never held in memory. */
  bodyDelivery?: 'parsed' | 'stream';
  /** Success status (default 200). */
  status?: 200 | 201 | 202;
  /** Error statuses the route can answer (OperationOutcome). */
  errors?: number[];
  /**
   * Who may call the route (deny by default: there is no default). `admin` is admitted everywhere without being
   * listed; `'anonymous'` opens the route to everyone (FHIR metadata, liveness, OpenAPI). Adding a role to a route
   * is one word here, and the README's route-by-role matrix (`npm run docs:routes`) follows.
   */
  roles: readonly Role[] | 'anonymous';
  /** FHIR interaction, for the CapabilityStatement. */
  fhir?: { resource: string; kind: FhirRouteKind; name: string; extensions?: readonly string[] };
}

/**
 * Every route declares its documentation (a test proves each mapped route has one); its success status is also the
 * route's HTTP code, so that the usual answer needs no status override.
 */
export const Route = (doc: RouteDoc) => {
  if (doc.body && !doc.maxBodyBytes) throw new Error(`@Route "${doc.summary}": a route with a body declares its maxBodyBytes`);
  return applyDecorators(SetMetadata(ROUTE_DOC, doc), HttpCode(doc.status ?? 200));
};

export interface DeclaredRoute extends RouteDoc {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Express-style path: /fhir/Task/:id. */
  path: string;
  handler: string;
  controller: string;
}

const METHODS: Partial<Record<RequestMethod, DeclaredRoute['method']>> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.DELETE]: 'DELETE',
  [RequestMethod.PATCH]: 'PATCH',
};

/** The routes of controllers, read from Nest's own metadata plus @Route: the one source of OpenAPI and metadata. */
export function declaredRoutes(controllers: readonly Type[]): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = proto[name];
      if (name === 'constructor' || typeof fn !== 'function') continue;
      const sub = Reflect.getMetadata(PATH_METADATA, fn) as string | undefined;
      const verb = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      if (sub === undefined || verb === undefined) continue;
      const doc = Reflect.getMetadata(ROUTE_DOC, fn) as RouteDoc | undefined;
      if (!doc) throw new Error(`${controller.name}.${name} has no @Route documentation`);
      // Deny by default, also for JavaScript callers the type does not stop: a route says who may call it.
      if (doc.roles !== 'anonymous' && !(Array.isArray(doc.roles) && doc.roles.length > 0))
        throw new Error(`${controller.name}.${name} declares no roles (@Route({ roles: [...] }) or roles: 'anonymous')`);
      const method = METHODS[verb];
      if (!method) throw new Error(`${controller.name}.${name}: unsupported method`);
      routes.push({ ...doc, method, path: joinPath(base, sub), handler: name, controller: controller.name });
    }
  }
  return routes;
}

/** The roles a route admits (admin always); undefined for anonymous routes. */
export function admittedRoles(doc: Pick<RouteDoc, 'roles'>): readonly Role[] | undefined {
  if (doc.roles === 'anonymous') return undefined;
  return doc.roles.includes('admin') ? doc.roles : [...doc.roles, 'admin'];
}

/** '/fhir' + 'CoverageEligibilityRequest/\\$submit' → '/fhir/CoverageEligibilityRequest/$submit'. */
export function joinPath(base: string, sub: string): string {
  const parts = [base, sub].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  return `/${parts.join('/')}`.replace(/\\\$/g, '$');
}

/** The metric label of a route: method and path template, never the values in the path. */
export function routeLabel(method: string, path: string): string {
  return `${method} ${path}`;
}
