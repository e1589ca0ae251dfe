import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { coversFiness, mayRead, type Principal } from '../../access/roles';
import { actorOf, type AuditAction, type AuditTrail } from '../../audit/audit-trail';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { parseBatchBundle } from '../fhir/batch-request.parser';
import { buildLotTask } from '../fhir/lot-task.builder';
import { buildWorklist } from '../fhir/worklist.builder';
import { Caller } from '../../http/access.guard';
import { FinessPipe, ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { KiB, MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId, newCorrelationId } from '../../observability/correlation';
import { AUDIT, CONFIG } from '../../platform/tokens';
import { parseLotCsv } from '../lots/lot-csv.parser';
import { lotProgress } from '../lots/lot-progress';
import { Lot, LotStore } from '../lots/lot.store';
import { CreateLotUseCase } from '../lots/create-lot.use-case';

/**
 * Night lots over HTTP: FHIR $submit-batch (a scheduler's Bundle), the manual trigger and the CSV upload create
 * a lot and answer 202 with the Task to follow (GET /fhir/Task/{id}); the List read is the rights-change worklist.
 */
@Controller()
export class LotsController {
  constructor(
    private readonly lots: CreateLotUseCase,
    private readonly store: LotStore,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('fhir/CoverageEligibilityRequest/$submit-batch')
  @Route({
    summary: 'A Bundle of requests checked as a lot (nightly re-check); answers 202 with the Task to follow.',
    tag: 'FHIR',
    body: 'application/fhir+json',
    // A night's Bundle: ~1 KB per request, a few thousand requests.
    maxBodyBytes: 8 * MiB,
    status: 202,
    errors: [400, 401, 403, 409, 413, 415, 422, 429],
    fhir: { resource: 'CoverageEligibilityRequest', kind: 'operation', name: 'submit-batch' },
    roles: ['batch'],
  })
  async submitBatch(@Caller() caller: Principal, @Body() body: unknown): Promise<Reply> {
    const { finess, items } = parseBatchBundle(body);
    const target = this.establishment(caller, finess, 'Bundle.entry.resource.provider');
    const lot = await this.lots.submitList(target, 'fhir', caller.clientId, correlationId(), items);
    return this.accepted(caller, 'lot.started', lot);
  }

  @Post('cdri/lots')
  @Route({
    summary: 'Start a CDRi lot now for an establishment ({"finess"}); 202 with the Task',
    tag: 'Lots',
    body: 'application/json',
    maxBodyBytes: 4 * KiB,
    status: 202,
    errors: [400, 401, 403, 409, 413, 415, 422, 429],
    roles: ['batch', 'operator'],
  })
  async trigger(@Caller() caller: Principal, @Body('finess', new FinessPipe()) finessField: string | undefined): Promise<Reply> {
    const finess = this.establishment(caller, finessField, 'finess');
    return this.accepted(caller, 'lot.started', await this.lots.planNight(finess, 'manual', caller.clientId, correlationId()));
  }

  @Post('cdri/lots/csv')
  @Route({
    summary: 'A lot from a CSV export (nir;date_of_care[;birth_date;ipp;visit_number;family_name;given_name]); ?finess=; 202 with the Task',
    tag: 'Lots',
    body: 'text/csv',
    // ~100 bytes a line: 16 MB is over 100,000 patients, more than a night's lot.
    maxBodyBytes: 16 * MiB,
    status: 202,
    errors: [400, 401, 403, 409, 413, 415, 422, 429],
    roles: ['batch'],
  })
  async csv(
    @Caller() caller: Principal,
    @Query('finess', new FinessPipe()) finessParam: string | undefined,
    @Body() body: unknown,
  ): Promise<Reply> {
    if (typeof body !== 'string') throw new GatewayError('INVALID_INPUT', 'Send the list as text/csv', 'Content-Type');
    const finess = this.establishment(caller, finessParam, 'finess');
    return this.accepted(
      caller,
      'lot.csv-uploaded',
      await this.lots.submitList(finess, 'csv', caller.clientId, correlationId(), parseLotCsv(body)),
    );
  }

  @Get('fhir/List/:id')
  @Route({
    summary:
      'The rights-change worklist of a lot (same id as its Task): closed rights, organism changed, exoneration lost, unknown patient.',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'List', kind: 'read', name: 'read' },
    roles: ['batch', 'gap', 'operator'],
  })
  async worklist(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('List')) id: string): Promise<Reply> {
    const lot = await this.store.get(id);
    // Another establishment's worklist is "not found": its existence is not disclosed either.
    if (!lot || !mayRead(caller, { finess: lot.finess, requestedBy: lot.requestedBy }))
      throw new GatewayError('NOT_FOUND', `List/${id} does not exist`);
    return Reply.fhir(buildWorklist(lot, await this.store.changedItems(lot.id)));
  }

  /** The establishment a lot is for: the one named, else the caller's (first) one; never one the caller does not act for. */
  private establishment(caller: Principal, named: string | undefined, field: string): string {
    const finess = named ?? caller.finess[0] ?? this.config.establishmentFiness;
    if (!coversFiness(caller, finess))
      throw new GatewayError('FORBIDDEN', `Client ${caller.clientId} may not start a lot for ${finess}`, field);
    return finess;
  }

  private async accepted(caller: Principal, action: AuditAction, lot: Lot): Promise<Reply> {
    await this.audit.record({
      actor: actorOf(caller),
      action,
      target: `Task/${lot.id}`,
      correlationId: correlationId(),
      detail: { finess: lot.finess, trigger: lot.trigger, items: lot.total },
    });
    return Reply.located(202, `/fhir/Task/${lot.id}`, buildLotTask(lot, lotProgress(lot, await this.store.counts(lot.id))));
  }
}

function correlationId(): string {
  return currentCorrelationId() ?? newCorrelationId();
}
