import { GatewayError } from '../common/gateway-error';
import { AmoRightsError } from './amo-rights.port';

/** Insurer errors → the gateway vocabulary. Exhaustive over the insurer codes. */
export function toGatewayError(err: AmoRightsError): GatewayError {
  switch (err.code) {
    case 'INSURER_TIMEOUT':
      return new GatewayError('INSURER_TIMEOUT', 'The AMO rights service (CDRi) did not answer in time');
    case 'INSURER_UNAVAILABLE':
      return new GatewayError('INSURER_UNAVAILABLE', 'The AMO rights service (CDRi) is unavailable');
    case 'INSURER_RATE_LIMITED':
      return new GatewayError('INSURER_BUSY', 'The AMO rights service (CDRi) asked us to slow down', undefined, 5);
    case 'INSURER_FAULT':
      return new GatewayError('INSURER_REFUSED', `The AMO rights service (CDRi) answered with a fault${err.insurerCode ? ` (${err.insurerCode})` : ''}`);
    case 'INVALID_QUERY':
      return new GatewayError('BUSINESS_RULE', `The AMO rights service (CDRi) refused the request as invalid${err.insurerCode ? ` (${err.insurerCode})` : ''}`);
  }
}
