import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CONFIG, METRICS } from '../app/tokens';
import { CheckRightsUseCase } from '../cdri/check-rights.use-case';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { currentCorrelationId, newCorrelationId } from '../observability/correlation';
import { Metrics } from '../observability/metrics';
import { capabilityStatement } from './capability-statement';
import { parseEligibilityRequest } from './coverage-eligibility-request.parser';
import { buildEligibilityResponse } from './coverage-eligibility-response.builder';
import { routeLabel } from './fhir-error.filter';
import { KioskGuard, KioskRequest } from './kiosk.guard';

/** FHIR R4 edge: translates resources to use-case calls and back. The logic lives in the use cases. */
@Controller('fhir')
export class FhirController {
  constructor(
    private readonly checkRights: CheckRightsUseCase,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  @Get('metadata')
  metadata(@Req() req: KioskRequest, @Res() res: Response): void {
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}/fhir`;
    this.send(req, res, 200, capabilityStatement(this.config.cdri.common.softwareVersion, base));
  }

  @Post('CoverageEligibilityRequest/\\$submit')
  @HttpCode(200)
  @UseGuards(KioskGuard)
  async submit(@Req() req: KioskRequest, @Body() body: unknown, @Res() res: Response): Promise<void> {
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
      throw new GatewayError('CONFLICT', `This request was already processed and failed (${check.errorCode}); send a new request identifier to retry`);
    }
    res.setHeader('Location', `/fhir/CoverageEligibilityResponse/${check.id}`);
    this.send(req, res, 200, buildEligibilityResponse(check, parsed.patientReference));
  }

  @Get('CoverageEligibilityResponse/:id')
  @UseGuards(KioskGuard)
  async read(@Req() req: KioskRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const check = await this.checkRights.findById(id);
    if (!check) throw new GatewayError('NOT_FOUND', `CoverageEligibilityResponse/${id} does not exist`);
    this.send(req, res, 200, buildEligibilityResponse(check));
  }

  private send(req: KioskRequest, res: Response, status: number, body: unknown): void {
    this.metrics.fhirRequests.inc({ operation: routeLabel(req), status: String(status) });
    res.status(status).type('application/fhir+json').send(JSON.stringify(body));
  }
}
