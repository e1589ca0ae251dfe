import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { coversFiness, mayRead, type Principal } from '../../access/roles';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { parseEligibilityRequest } from '../fhir/coverage-eligibility-request.parser';
import { buildEligibilityResponse } from '../fhir/coverage-eligibility-response.builder';
import { Caller } from '../../http/access.guard';
import { ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { KiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId, newCorrelationId } from '../../observability/correlation';
import { CONFIG } from '../../platform/tokens';
import { CheckRightsUseCase } from '../check-rights.use-case';

/** FHIR R4 edge of the kiosk's rights check: translates resources to use-case calls and back. */
@Controller('fhir')
export class EligibilityController {
  constructor(
    private readonly checkRights: CheckRightsUseCase,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('CoverageEligibilityRequest/$submit')
  @Route({
    summary: 'Synchronous AMO rights check (CDRi) for a kiosk or GAP screen; answers a CoverageEligibilityResponse.',
    tag: 'FHIR',
    body: 'application/fhir+json',
    // One request resource: a few KB; 64 KB leaves room for extensions and nothing for abuse.
    maxBodyBytes: 64 * KiB,
    errors: [400, 401, 403, 409, 413, 415, 422, 429, 502, 503, 504],
    fhir: { resource: 'CoverageEligibilityRequest', kind: 'operation', name: 'submit' },
    roles: ['kiosk', 'gap'],
  })
  async submit(@Caller() caller: Principal, @Body() body: unknown): Promise<Reply> {
    const parsed = parseEligibilityRequest(body);
    const finess = parsed.finess ?? caller.finess[0] ?? this.config.establishmentFiness;
    // The insurer is asked under the hospital's certificate: a client asks only for its own establishments.
    if (!coversFiness(caller, finess))
      throw new GatewayError('FORBIDDEN', `Client ${caller.clientId} may not ask for establishment ${finess}`, 'provider.identifier');
    const check = await this.checkRights.checkNow({
      nir: parsed.nir,
      nirField: parsed.nirField,
      assureNir: parsed.assureNir,
      birthDate: parsed.birthDate,
      dateOfCare: parsed.dateOfCare,
      finess,
      source: 'fhir',
      requestedBy: caller.clientId,
      idempotencyKey: parsed.requestIdentifier ? `fhir:${caller.clientId}:${parsed.requestIdentifier}` : undefined,
      idempotencyLabel: parsed.requestIdentifier
        ? { field: 'CoverageEligibilityRequest.identifier', value: parsed.requestIdentifier }
        : undefined,
      correlationId: currentCorrelationId() ?? newCorrelationId(),
    });
    if (check.state === 'failed') {
      // A repeated request whose first run failed: say so the same way as the first time.
      throw new GatewayError(
        'CONFLICT',
        `This request was already processed and failed (${check.errorCode}); send a new request identifier to retry`,
      );
    }
    return Reply.located(200, `/fhir/CoverageEligibilityResponse/${check.id}`, buildEligibilityResponse(check, parsed.patientReference));
  }

  @Get('CoverageEligibilityResponse/:id')
  @Route({
    summary: 'A stored rights answer, with when it was given and until when it holds.',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'CoverageEligibilityResponse', kind: 'read', name: 'read' },
    roles: ['kiosk', 'gap', 'operator'],
  })
  async read(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('CoverageEligibilityResponse')) id: string): Promise<Reply> {
    const check = await this.checkRights.findById(id);
    // Another client's answer is "not found", not "forbidden": its existence is not disclosed either.
    if (!check || !mayRead(caller, { finess: check.finess, requestedBy: check.source === 'fhir' ? check.requestedBy : undefined }))
      throw new GatewayError('NOT_FOUND', `CoverageEligibilityResponse/${id} does not exist`);
    return Reply.fhir(buildEligibilityResponse(check));
  }
}
