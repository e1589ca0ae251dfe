import { GatewayError } from '../common/gateway-error';
import { retryAfterSeconds } from '../insurer/retry-after';
import { type AmoRightsError } from './amo-rights.port';

/**
 * Wait suggested to a kiosk when the insurer throttled us without saying for how long: long enough for a token bucket
 * to refill, short enough for someone standing at the kiosk.
 */
const DEFAULT_BUSY_RETRY_AFTER_SECONDS = 5;

/** Insurer errors → the gateway vocabulary. Exhaustive over the insurer codes. */
export function toGatewayError(err: AmoRightsError): GatewayError {
  switch (err.code) {
    case 'INSURER_TIMEOUT':
      return new GatewayError('INSURER_TIMEOUT', 'The AMO rights service (CDRi) did not answer in time');
    case 'INSURER_UNAVAILABLE':
      return new GatewayError('INSURER_UNAVAILABLE', 'The AMO rights service (CDRi) is unavailable');
    case 'INSURER_RATE_LIMITED':
      // The insurer's own Retry-After reaches the kiosk's Retry-After header: it knows when it will take calls again.
      return new GatewayError(
        'INSURER_BUSY',
        'The AMO rights service (CDRi) asked us to slow down',
        undefined,
        err.retryAfterMs !== undefined ? retryAfterSeconds(err.retryAfterMs) : DEFAULT_BUSY_RETRY_AFTER_SECONDS,
      );
    case 'INSURER_FAULT':
      return new GatewayError(
        'INSURER_REFUSED',
        `The AMO rights service (CDRi) answered with a fault${err.insurerCode ? ` (${err.insurerCode})` : ''}`,
      );
    case 'INVALID_QUERY':
      return new GatewayError(
        'BUSINESS_RULE',
        `The AMO rights service (CDRi) refused the request as invalid${err.insurerCode ? ` (${err.insurerCode})` : ''}`,
      );
  }
}
