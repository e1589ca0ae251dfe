import { GatewayError } from '../common/gateway-error';
import { CertificateError } from '../signing';
import { OutboxError } from './outbox';

/** Transport's domain errors → the gateway vocabulary (HTTP status, OperationOutcome). Anything else is rethrown. */
export function toGatewayError(err: unknown): unknown {
  // A lot is never sealed with an expired, untrusted or wrong-purpose certificate: say which, as a 422.
  if (err instanceof CertificateError) return new GatewayError('BUSINESS_RULE', err.message, 'certificate');
  if (err instanceof OutboxError) {
    switch (err.code) {
      case 'KEY_CONFLICT':
        return new GatewayError('CONFLICT', err.message);
      case 'INVALID_INPUT':
        return new GatewayError('INVALID_INPUT', err.message);
      default:
        return new GatewayError('BUSINESS_RULE', err.message);
    }
  }
  return err;
}
