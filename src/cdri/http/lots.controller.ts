import { Body, Controller, Get, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { parseBatchBundle } from '../fhir/batch-request.parser';
import { buildLotTask } from '../fhir/lot-task.builder';
import { buildWorklist } from '../fhir/worklist.builder';
import { KioskGuard, KioskRequest } from '../../http/kiosk.guard';
import { FinessPipe, ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { KiB, MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId, newCorrelationId } from '../../observability/correlation';
import { CONFIG } from '../../platform/tokens';
import { parseLotCsv } from '../lots/lot-csv.parser';
import { lotProgress } from '../lots/lot-progress';
import { Lot, LotStore } from '../lots/lot.store';
import { CreateLotUseCase } from '../lots/create-lot.use-case';

/**
 * Night lots over HTTP: FHIR $submit-batch (a scheduler's Bundle), the manual trigger and the CSV upload create
 * a lot and answer 202 with the Task to follow (GET /fhir/Task/{id}); the List read is the rights-change worklist.
 */
@Controller()
@UseGuards(KioskGuard)
export class LotsController {
  constructor(
    private readonly lots: CreateLotUseCase,
    private readonly store: LotStore,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('fhir/CoverageEligibilityRequest/$submit-batch')
  @Route({
    summary: 'A Bundle of requests checked as a lot (nightly re-check); answers 202 with the Task to follow.',
    tag: 'FHIR',
    body: 'application/fhir+json',
    // A night's Bundle: ~1 KB per request, a few thousand requests.
    maxBodyBytes: 8 * MiB,
    status: 202,
    errors: [400, 401, 409, 413, 415, 422, 429],
    fhir: { resource: 'CoverageEligibilityRequest', kind: 'operation', name: 'submit-batch' },
  })
  async submitBatch(@Req() req: KioskRequest, @Body() body: unknown): Promise<Reply> {
    const { finess, items } = parseBatchBundle(body);
    const lot = await this.lots.submitList(
      finess ?? this.config.establishmentFiness,
      'fhir',
      req.kioskId ?? 'unknown',
      correlationId(),
      items,
    );
    return this.accepted(lot);
  }

  @Post('cdri/lots')
  @Route({
    summary: 'Start a CDRi lot now for an establishment ({"finess"}); 202 with the Task',
    tag: 'Lots',
    body: 'application/json',
    maxBodyBytes: 4 * KiB,
    status: 202,
    errors: [400, 401, 409, 413, 415, 422, 429],
  })
  async trigger(@Req() req: KioskRequest, @Body('finess', new FinessPipe()) finessField: string | undefined): Promise<Reply> {
    const finess = finessField ?? this.config.establishmentFiness;
    return this.accepted(await this.lots.planNight(finess, 'manual', req.kioskId ?? 'unknown', correlationId()));
  }

  @Post('cdri/lots/csv')
  @Route({
    summary: 'A lot from a CSV export (nir;date_of_care[;birth_date;ipp;visit_number;family_name;given_name]); ?finess=; 202 with the Task',
    tag: 'Lots',
    body: 'text/csv',
    // ~100 bytes a line: 16 MB is over 100,000 patients, more than a night's lot.
    maxBodyBytes: 16 * MiB,
    status: 202,
    errors: [400, 401, 409, 413, 415, 422, 429],
  })
  async csv(
    @Req() req: KioskRequest,
    @Query('finess', new FinessPipe()) finessParam: string | undefined,
    @Body() body: unknown,
  ): Promise<Reply> {
    if (typeof body !== 'string') throw new GatewayError('INVALID_INPUT', 'Send the list as text/csv', 'Content-Type');
    const finess = finessParam ?? this.config.establishmentFiness;
    return this.accepted(await this.lots.submitList(finess, 'csv', req.kioskId ?? 'unknown', correlationId(), parseLotCsv(body)));
  }

  @Get('fhir/List/:id')
  @Route({
    summary:
      'The rights-change worklist of a lot (same id as its Task): closed rights, organism changed, exoneration lost, unknown patient.',
    tag: 'FHIR',
    errors: [401, 404, 429],
    fhir: { resource: 'List', kind: 'read', name: 'read' },
  })
  async worklist(@Param('id', new ResourceIdPipe('List')) id: string): Promise<Reply> {
    const lot = await this.store.get(id);
    if (!lot) throw new GatewayError('NOT_FOUND', `List/${id} does not exist`);
    return Reply.fhir(buildWorklist(lot, await this.store.changedItems(lot.id)));
  }

  private async accepted(lot: Lot): Promise<Reply> {
    return Reply.located(202, `/fhir/Task/${lot.id}`, buildLotTask(lot, lotProgress(lot, await this.store.counts(lot.id))));
  }
}

function correlationId(): string {
  return currentCorrelationId() ?? newCorrelationId();
}
