import { type GatewayError, type GatewayErrorCode } from '../common/gateway-error';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Array<{
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: string;
    diagnostics?: string;
    expression?: string[];
  }>;
}

/** Every gateway error code → HTTP status and FHIR issue type. Exhaustive: a new code cannot be forgotten. */
export function httpMapping(code: GatewayErrorCode): { status: number; issueCode: string } {
  switch (code) {
    case 'INVALID_INPUT':
      return { status: 400, issueCode: 'invalid' };
    case 'UNAUTHENTICATED':
      return { status: 401, issueCode: 'login' };
    case 'FORBIDDEN':
      return { status: 403, issueCode: 'forbidden' };
    case 'NOT_FOUND':
      return { status: 404, issueCode: 'not-found' };
    case 'CONFLICT':
      return { status: 409, issueCode: 'conflict' };
    case 'BUSINESS_RULE':
      return { status: 422, issueCode: 'business-rule' };
    case 'RATE_LIMITED':
      return { status: 429, issueCode: 'throttled' };
    case 'INSURER_UNAVAILABLE':
      return { status: 502, issueCode: 'transient' };
    case 'INSURER_REFUSED':
      return { status: 502, issueCode: 'exception' };
    case 'INSURER_BUSY':
      return { status: 503, issueCode: 'transient' };
    case 'INSURER_TIMEOUT':
      return { status: 504, issueCode: 'timeout' };
    case 'STORAGE_UNAVAILABLE':
      return { status: 503, issueCode: 'transient' };
    case 'INTERNAL':
      return { status: 500, issueCode: 'exception' };
  }
}

export function operationOutcome(
  severity: OperationOutcome['issue'][0]['severity'],
  code: string,
  diagnostics: string,
  expression?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    // FHIR forbids empty strings: an error without a message gets no diagnostics rather than "".
    issue: [{ severity, code, ...(diagnostics ? { diagnostics } : {}), ...(expression ? { expression: [expression] } : {}) }],
  };
}

export function outcomeFor(error: GatewayError, correlationId?: string): { status: number; body: OperationOutcome } {
  const { status, issueCode } = httpMapping(error.code);
  const suffix = status >= 500 && correlationId ? ` (correlation id ${correlationId})` : '';
  return { status, body: operationOutcome('error', issueCode, `${error.message}${suffix}`, error.field) };
}
