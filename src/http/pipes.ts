import { Injectable, PipeTransform } from '@nestjs/common';
import { GatewayError } from '../common/gateway-error';
import { isUuid, isValidFiness } from '../identifiers';

/**
 * Route parameters validated once, the same way on every route, with the shared identifiers (src/identifiers):
 * errors name the parameter, never echo a value that could be patient data.
 */

/** An optional FINESS (query or body field): absent passes through (the route uses the establishment's). */
@Injectable()
export class FinessPipe implements PipeTransform<unknown, string | undefined> {
  constructor(private readonly field = 'finess') {}

  transform(value: unknown): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || !isValidFiness(value)) {
      throw new GatewayError('INVALID_INPUT', `${this.field} must be a valid FINESS (9 characters, check digit)`, this.field);
    }
    return value;
  }
}

/** The id of a stored resource: anything but a UUID cannot exist, so it is a 404 without a database round trip. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<unknown, string> {
  constructor(private readonly resourceType: string) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !isUuid(value))
      throw new GatewayError('NOT_FOUND', `${this.resourceType}/${String(value).slice(0, 64)} does not exist`);
    return value;
  }
}
