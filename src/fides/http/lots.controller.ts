import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { coversFiness, mayRead, type Principal, seesEverything } from '../../access/roles';
import { actorOf, type AuditTrail } from '../../audit/audit-trail';
import { GatewayError } from '../../common/gateway-error';
import { Caller } from '../../http/access.guard';
import { FinessPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { KiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { isUuid } from '../../identifiers';
import { currentCorrelationId } from '../../observability/correlation';
import { AUDIT } from '../../platform/tokens';
import { LOT_STATES, type LotState } from '../lots/lot.store';
import { lotView } from '../lots/lot-view';
import { LotsService } from '../lots/lots.service';

const LIST_LIMIT = 500;

/**
 * FIDES B2 lots (plain JSON, lot-view.ts): close the caller's ready invoices into lots now, read a lot, list lots by
 * state or ARL overdue. Billing clients see their establishments' lots; operators and admins all of them.
 */
@Controller()
export class FidesLotsController {
  constructor(
    private readonly lots: LotsService,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('fides/lots/close')
  @Route({
    summary:
      'Close the ready invoices of the caller’s establishment ({"finess"} optional) into B2 lots now, handed to the outbox: 200 with the lots made.',
    tag: 'Lots',
    body: 'application/json',
    maxBodyBytes: 4 * KiB,
    errors: [400, 401, 403, 413, 415, 429],
    roles: ['billing'],
  })
  async close(@Caller() caller: Principal, @Body('finess', new FinessPipe()) named: string | undefined): Promise<Reply> {
    const finess = named !== undefined ? [named] : [...caller.finess];
    if (finess.length === 0) throw new GatewayError('INVALID_INPUT', 'Name the establishment: {"finess": "…"}', 'finess');
    for (const f of finess)
      if (!coversFiness(caller, f)) throw new GatewayError('FORBIDDEN', `Client ${caller.clientId} may not close lots for ${f}`, 'finess');
    const result = await this.lots.close({ cause: 'manual', actor: caller.clientId, finess });
    await this.audit.record({
      actor: actorOf(caller),
      action: 'fides-lot.closed',
      target:
        result.lots
          .map((l) => l.lotRef)
          .join(',')
          .slice(0, 500) || 'none',
      correlationId: currentCorrelationId(),
      detail: {
        finess: finess.join(','),
        lots: result.lots.length,
        invoices: result.lots.reduce((n, l) => n + l.invoiceCount, 0),
        refused: result.refused.length,
      },
    });
    const now = new Date();
    return Reply.json({
      lots: result.lots.map((l) => lotView(l, this.lots.arlAlertHours, now)),
      // Left ready: a caisse with no recipient (FIDES_RECIPIENTS_FILE), or a draft B2 cannot carry (problem codes only).
      unrouted: result.unrouted,
      refused: result.refused.map((r) => ({
        claim: `Claim/${r.invoiceId}`,
        problems: r.problems.map((p) => ({ code: p.code, field: p.field })),
      })),
    });
  }

  @Get('fides/lots/:id')
  @Route({
    summary: 'A B2 lot: state, numbers, caisse, recipient, totals, transmission (Task), ARL, and its invoices (Claims) in file order.',
    tag: 'Lots',
    errors: [401, 403, 404, 429],
    roles: ['billing', 'operator'],
  })
  async read(@Caller() caller: Principal, @Param('id') id: string): Promise<Reply> {
    const lot = isUuid(id) ? await this.lots.store.get(id) : undefined;
    if (!lot || !mayRead(caller, { finess: lot.finess })) throw new GatewayError('NOT_FOUND', `Lot ${id.slice(0, 64)} does not exist`);
    return Reply.json(lotView(lot, this.lots.arlAlertHours, new Date(), await this.lots.store.invoices(lot.id)));
  }

  @Get('fides/lots')
  @Route({
    summary: `B2 lots, newest first (≤ ${LIST_LIMIT}): ?state=numbered|handed-over|sent|acknowledged|refused, ?arl=overdue (sent, no ARL after FIDES_ARL_ALERT_HOURS).`,
    tag: 'Lots',
    errors: [400, 401, 403, 429],
    roles: ['billing', 'operator'],
  })
  async list(@Caller() caller: Principal, @Query('state') state: unknown, @Query('arl') arl: unknown): Promise<Reply> {
    if (state !== undefined && (typeof state !== 'string' || !(LOT_STATES as readonly string[]).includes(state)))
      throw new GatewayError('INVALID_INPUT', `state must be one of ${LOT_STATES.join(', ')}`, 'state');
    if (arl !== undefined && arl !== 'overdue') throw new GatewayError('INVALID_INPUT', 'arl must be overdue', 'arl');
    const lots = await this.lots.store.list({
      state: state as LotState | undefined,
      arlOverdueHours: arl === 'overdue' ? this.lots.arlAlertHours : undefined,
      finess: seesEverything(caller) ? 'all' : caller.finess,
      limit: LIST_LIMIT,
    });
    const now = new Date();
    return Reply.json({ lots: lots.map((l) => lotView(l, this.lots.arlAlertHours, now)) });
  }
}
