import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CONFIG, METRICS, TRANSPORT } from '../app/tokens';
import type { TransportRuntime } from '../app/transport';
import { buildTransmissionTask } from '../transport/outbox';
import { parseLotCsv } from '../cdri/lots/lot-csv.parser';
import { lotProgress } from '../cdri/lots/lot-progress';
import { Lot, LotStore } from '../cdri/lots/lot-store';
import { LotService } from '../cdri/lots/lot.service';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { isUuid, isValidFiness } from '../identifiers';
import { currentCorrelationId, newCorrelationId } from '../observability/correlation';
import { Metrics } from '../observability/metrics';
import { parseBatchBundle } from './batch-request.parser';
import { routeLabel } from './fhir-error.filter';
import { KioskGuard, KioskRequest } from './kiosk.guard';
import { buildLotTask } from './lot-task.builder';
import { buildWorklist } from './worklist.builder';

/**
 * Night lots over HTTP: FHIR $submit-batch (a scheduler's Bundle), the manual trigger and the CSV upload create
 * a lot and answer 202 with the Task to follow; Task and List reads show progress and the rights-change worklist.
 */
@Controller()
@UseGuards(KioskGuard)
export class LotsController {
  constructor(
    private readonly lots: LotService,
    private readonly store: LotStore,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(TRANSPORT) private readonly transport: TransportRuntime | undefined,
  ) {}

  @Post('fhir/CoverageEligibilityRequest/\\$submit-batch')
  async submitBatch(@Req() req: KioskRequest, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const { finess, items } = parseBatchBundle(body);
    const lot = await this.lots.submitList(finess ?? this.config.establishmentFiness, 'fhir', req.kioskId ?? 'unknown', this.correlationId(), items);
    await this.accepted(req, res, lot);
  }

  @Post('cdri/lots')
  async trigger(@Req() req: KioskRequest, @Body() body: { finess?: string } | undefined, @Res() res: Response): Promise<void> {
    const finess = body?.finess ?? this.config.establishmentFiness;
    if (!isValidFiness(finess)) throw new GatewayError('INVALID_INPUT', 'finess must be a valid FINESS (9 characters, check digit)', 'finess');
    const lot = await this.lots.planNight(finess, 'manual', req.kioskId ?? 'unknown', this.correlationId());
    await this.accepted(req, res, lot);
  }

  @Post('cdri/lots/csv')
  async csv(@Req() req: KioskRequest, @Query('finess') finessParam: string | undefined, @Body() body: unknown, @Res() res: Response): Promise<void> {
    if (typeof body !== 'string') throw new GatewayError('INVALID_INPUT', 'Send the list as text/csv', 'Content-Type');
    const finess = finessParam ?? this.config.establishmentFiness;
    if (!isValidFiness(finess)) throw new GatewayError('INVALID_INPUT', 'finess must be a valid FINESS (9 characters, check digit)', 'finess');
    const lot = await this.lots.submitList(finess, 'csv', req.kioskId ?? 'unknown', this.correlationId(), parseLotCsv(body));
    await this.accepted(req, res, lot);
  }

  /** A Task is a CDRi lot or a lot transmission (both keyed by uuid). */
  @Get('fhir/Task/:id')
  async task(@Req() req: KioskRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const lot = await this.store.get(id);
    if (lot) return this.send(req, res, 200, buildLotTask(lot, lotProgress(lot, await this.store.counts(lot.id))));
    const transmission = isUuid(id) ? await this.transport?.outbox.get(id) : undefined;
    if (!transmission) throw new GatewayError('NOT_FOUND', `Task/${id} does not exist`);
    this.send(req, res, 200, buildTransmissionTask(transmission));
  }

  @Get('fhir/List/:id')
  async worklist(@Req() req: KioskRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const lot = await this.lot(id, 'List');
    this.send(req, res, 200, buildWorklist(lot, await this.store.changedItems(lot.id)));
  }

  private async lot(id: string, type: string): Promise<Lot> {
    const lot = await this.store.get(id);
    if (!lot) throw new GatewayError('NOT_FOUND', `${type}/${id} does not exist`);
    return lot;
  }

  private async accepted(req: KioskRequest, res: Response, lot: Lot): Promise<void> {
    res.setHeader('Location', `/fhir/Task/${lot.id}`);
    this.send(req, res, 202, buildLotTask(lot, lotProgress(lot, await this.store.counts(lot.id))));
  }

  private correlationId(): string {
    return currentCorrelationId() ?? newCorrelationId();
  }

  private send(req: KioskRequest, res: Response, status: number, body: unknown): void {
    this.metrics.fhirRequests.inc({ operation: routeLabel(req), status: String(status) });
    res.status(status).type('application/fhir+json').send(JSON.stringify(body));
  }
}
