import { Controller, Get, Param, Query } from '@nestjs/common';
import { type Principal, seesEverything } from '../../access/roles';
import { GatewayError } from '../../common/gateway-error';
import { Caller } from '../../http/access.guard';
import { ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { Route } from '../../http/route-doc';
import { searchset } from '../fhir/claim-response.builder';
import { buildPaymentReconciliation } from '../fhir/payment-reconciliation.builder';
import { buildRejectsWorklist, rejectsCsv } from '../fhir/rejects-worklist.builder';
import { RETURNS_SYSTEMS } from '../fhir/returns-fhir-definitions';
import { type FinessScope, ReconciliationStore } from '../returns/reconciliation.store';

const RETURN_STATUSES = new Set(['applied', 'error', 'duplicate']);

/**
 * What the AMO's returns settled (issue 9 §4): payments as FHIR PaymentReconciliation, a lot's totals, the rejects
 * worklist (FHIR List or CSV), and the return files themselves for operators. Reads are FINESS-scoped for the billing
 * office; another establishment's payment or lot is "not found".
 */
@Controller()
export class ReconciliationController {
  constructor(private readonly store: ReconciliationStore) {}

  @Get('fhir/PaymentReconciliation/:id')
  @Route({
    summary: 'A transfer announced by an RSP (220): reference, date, amount, and one detail per invoice it pays (Claim, ClaimResponse).',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'PaymentReconciliation', kind: 'read', name: 'read' },
    roles: ['billing', 'operator'],
  })
  async read(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('PaymentReconciliation')) id: string): Promise<Reply> {
    const p = await this.store.payment(id, scopeOf(caller));
    if (!p) throw new GatewayError('NOT_FOUND', `PaymentReconciliation/${id} does not exist`);
    return Reply.fhir(buildPaymentReconciliation(p));
  }

  @Get('fhir/PaymentReconciliation')
  @Route({
    summary:
      'Payments, newest first: ?identifier=[system|]transfer reference narrows to one transfer; ?_count= (default 50, max 500). searchset Bundle.',
    tag: 'FHIR',
    errors: [400, 401, 403, 429],
    fhir: { resource: 'PaymentReconciliation', kind: 'search-type', name: 'search-type' },
    roles: ['billing', 'operator'],
  })
  async search(@Caller() caller: Principal, @Query('identifier') identifier: unknown, @Query('_count') count: unknown): Promise<Reply> {
    let reference: string | undefined;
    if (identifier !== undefined) {
      if (typeof identifier !== 'string' || identifier === '')
        throw new GatewayError('INVALID_INPUT', 'identifier is [system|]transfer reference', 'identifier');
      const [system, value] = identifier.includes('|') ? identifier.split('|', 2) : [undefined, identifier];
      if (system !== undefined && system !== '' && system !== RETURNS_SYSTEMS.paymentReference)
        throw new GatewayError('INVALID_INPUT', `identifier system must be ${RETURNS_SYSTEMS.paymentReference}`, 'identifier');
      reference = value;
    }
    const payments = await this.store.searchPayments({ reference, limit: countOf(count) }, scopeOf(caller));
    return Reply.fhir(searchset(payments.map(buildPaymentReconciliation)));
  }

  @Get('fides/lots/:id/reconciliation')
  @Route({
    summary:
      'Totals of a lot: invoices by state, billed to the AMO, paid, rejected, outstanding, amount mismatches, and its payments (JSON).',
    tag: 'Lots',
    errors: [401, 403, 404, 429],
    roles: ['billing', 'operator'],
  })
  async lot(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('Lot')) id: string): Promise<Reply> {
    const lot = await this.store.lot(id, scopeOf(caller));
    if (!lot) throw new GatewayError('NOT_FOUND', `Lot ${id} does not exist`);
    return Reply.json(lot);
  }

  @Get('fides/worklists/rejects')
  @Route({
    summary:
      'Invoices rejected by the AMO, grouped by reject code with count, amount at stake and what to do; each links its Claim. FHIR List, or ?_format=csv.',
    tag: 'Lots',
    errors: [400, 401, 403, 429],
    roles: ['billing', 'operator'],
  })
  async rejects(@Caller() caller: Principal, @Query('_format') format: unknown): Promise<Reply> {
    if (format !== undefined && format !== 'csv' && format !== 'json' && format !== 'application/fhir+json')
      throw new GatewayError('INVALID_INPUT', '_format is csv or json', '_format');
    const rows = await this.store.rejects(scopeOf(caller));
    if (format === 'csv') return Reply.text(rejectsCsv(rows), 'text/csv; charset=utf-8');
    return Reply.fhir(buildRejectsWorklist(rows, new Date()));
  }

  @Get('fides/returns')
  @Route({
    summary:
      'Return files (ARL, RSP) the billing flow handled, newest first: applied, duplicate, or error with its code and detail (nothing applied). ?status=, ?_count=.',
    tag: 'Lots',
    errors: [400, 401, 403, 429],
    roles: ['operator'],
  })
  async returns(@Query('status') status: unknown, @Query('_count') count: unknown): Promise<Reply> {
    if (status !== undefined && (typeof status !== 'string' || !RETURN_STATUSES.has(status)))
      throw new GatewayError('INVALID_INPUT', 'status is applied, error or duplicate', 'status');
    return Reply.json({ returns: await this.store.returns({ status, limit: countOf(count) }) });
  }
}

function scopeOf(caller: Principal): FinessScope {
  return seesEverything(caller) ? 'all' : caller.finess;
}

function countOf(value: unknown): number {
  if (value === undefined) return 50;
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 500)) throw new GatewayError('INVALID_INPUT', '_count is 1 to 500', '_count');
  return n;
}
