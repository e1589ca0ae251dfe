/**
 * What a controller returns when the answer is more than a 200 JSON body: a status, headers and a FHIR (or other)
 * content type. Controllers return values; the edge interceptor writes them (http-edge.interceptor.ts), so no
 * controller touches the HTTP adapter's response object.
 */
export class Reply<T = unknown> {
  constructor(
    readonly status: number,
    readonly body: T,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly contentType = 'application/fhir+json',
  ) {}

  /** A FHIR resource, 200 by default. */
  static fhir<T>(body: T, status = 200, headers: Record<string, string> = {}): Reply<T> {
    return new Reply(status, body, headers);
  }

  /** 201/202 with the Location of the resource to follow (a Task, a stored answer). */
  static located<T>(status: 201 | 202 | 200, location: string, body: T): Reply<T> {
    return new Reply(status, body, { Location: location });
  }

  /** Plain JSON (health reports). */
  static json<T>(body: T, status = 200): Reply<T> {
    return new Reply(status, body, {}, 'application/json');
  }

  /** Text with its own content type (Prometheus exposition, CSV). */
  static text(body: string, contentType: string, status = 200): Reply<string> {
    return new Reply(status, body, {}, contentType);
  }
}
