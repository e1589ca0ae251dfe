import { Body, Controller, Get, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { parseEligibilityRequest } from '../fhir/coverage-eligibility-request.parser';
import { buildEligibilityResponse } from '../fhir/coverage-eligibility-response.builder';
import { KioskGuard, KioskRequest } from '../../http/kiosk.guard';
import { ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { KiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId, newCorrelationId } from '../../observability/correlation';
import { CONFIG } from '../../platform/tokens';
import { CheckRightsUseCase } from '../check-rights.use-case';

/** FHIR R4 edge of the kiosk's rights check: translates resources to use-case calls and back. */
@Controller('fhir')
@UseGuards(KioskGuard)
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
    errors: [400, 401, 409, 413, 415, 422, 429, 502, 503, 504],
    fhir: { resource: 'CoverageEligibilityRequest', kind: 'operation', name: 'submit' },
  })
  async submit(@Req() req: KioskRequest, @Body() body: unknown): Promise<Reply> {
    const parsed = parseEligibilityRequest(body);
    const check = await this.checkRights.checkNow({
      nir: parsed.nir,
      nirField: parsed.nirField,
      assureNir: parsed.assureNir,
      birthDate: parsed.birthDate,
      dateOfCare: parsed.dateOfCare,
      finess: parsed.finess ?? this.config.establishmentFiness,
      source: 'fhir',
      requestedBy: req.kioskId ?? 'unknown',
      idempotencyKey: parsed.requestIdentifier ? `fhir:${req.kioskId}:${parsed.requestIdentifier}` : undefined,
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
    errors: [401, 404, 429],
    fhir: { resource: 'CoverageEligibilityResponse', kind: 'read', name: 'read' },
  })
  async read(@Param('id', new ResourceIdPipe('CoverageEligibilityResponse')) id: string): Promise<Reply> {
    const check = await this.checkRights.findById(id);
    if (!check) throw new GatewayError('NOT_FOUND', `CoverageEligibilityResponse/${id} does not exist`);
    return Reply.fhir(buildEligibilityResponse(check));
  }
}
