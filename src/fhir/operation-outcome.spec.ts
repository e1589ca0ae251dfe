import { expectValidFhir } from '../../tests/support/fhir-schema';
import { GatewayError, type GatewayErrorCode } from '../common/gateway-error';
import { operationOutcome, outcomeFor } from './operation-outcome';

// Every code the gateway can answer with, so a new one is validated as soon as it is added to the union.
const CODES: Record<GatewayErrorCode, true> = {
  INVALID_INPUT: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  CONFLICT: true,
  BUSINESS_RULE: true,
  RATE_LIMITED: true,
  INSURER_UNAVAILABLE: true,
  INSURER_REFUSED: true,
  INSURER_BUSY: true,
  INSURER_TIMEOUT: true,
  STORAGE_UNAVAILABLE: true,
  INTERNAL: true,
};

describe('OperationOutcome', () => {
  it.each(Object.keys(CODES) as GatewayErrorCode[])('%s is valid FHIR R4, with and without a field and a correlation id', (code) => {
    expectValidFhir(outcomeFor(new GatewayError(code, `Something about ${code}`)).body);
    expectValidFhir(
      outcomeFor(new GatewayError(code, 'patient.identifier is missing', 'CoverageEligibilityRequest.patient'), 'corr-123').body,
    );
  });

  it('leaves out empty diagnostics rather than sending an empty string', () => {
    const body = operationOutcome('fatal', 'exception', '');
    expect(body.issue[0]).toEqual({ severity: 'fatal', code: 'exception' });
    expectValidFhir(body);
  });
});
