import { Body, Controller, Get, Inject, Optional, Param, Post, Query } from '@nestjs/common';
import { mayRead, type Principal, seesEverything } from '../../access/roles';
import { actorOf, type AuditTrail } from '../../audit/audit-trail';
import { GatewayError } from '../../common/gateway-error';
import { Caller } from '../../http/access.guard';
import { ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { isUuid } from '../../identifiers';
import { currentCorrelationId } from '../../observability/correlation';
import { AUDIT } from '../../platform/tokens';
import { buildClaimResponse, searchset } from '../fhir/claim-response.builder';
import { buildClaim } from '../fhir/claim.builder';
import { normaliseInvoiceNumber, parseClaim } from '../fhir/claim.parser';
import { FIDES_EXTENSIONS, FIDES_IDENTIFIERS, FIDES_PREFLIGHT } from '../fhir/fides-fhir-definitions';
import { RETURNS_EXTENSIONS } from '../fhir/returns-fhir-definitions';
import { InvoiceStore, type StoredInvoice } from '../invoice.store';
import { ReceiveInvoiceUseCase } from '../receive-invoice.use-case';
import { type InvoiceOutcomeView, ReconciliationStore } from '../returns/reconciliation.store';

const SETTLED = new Set<string>(['paid', 'partly-paid', 'warned', 'rejected']);

/**
 * FHIR Claims (use = claim): one invoice each, received idempotently on its number, read back with where it stands
 * (Claim, search by invoice number, ClaimResponse). Reads are FINESS-scoped; another establishment's invoice is
 * "not found".
 */
@Controller()
export class ClaimsController {
  constructor(
    private readonly intake: ReceiveInvoiceUseCase,
    private readonly store: InvoiceStore,
    @Inject(AUDIT) private readonly audit: AuditTrail,
    // The AMO's word on settled invoices (returns, issue 9 §4); absent, the ClaimResponse says the state only.
    @Optional() private readonly reconciliation?: ReconciliationStore,
  ) {}

  @Post('fhir/Claim')
  @Route({
    summary:
      'One invoice (Claim, use = claim): 201 with the stored Claim; the same invoice again: 200; its number with other content: a new version (200) while pre-flight holds it, else 409.',
    tag: 'FHIR',
    body: 'application/fhir+json',
    // 999 items of ~500 bytes.
    maxBodyBytes: 1 * MiB,
    status: 201,
    errors: [400, 401, 403, 409, 413, 415, 422, 429],
    fhir: { resource: 'Claim', kind: 'create', name: 'create', extensions: Object.values(FIDES_EXTENSIONS) },
    roles: ['gap', 'billing'],
  })
  async create(@Caller() caller: Principal, @Body() body: unknown): Promise<Reply> {
    const { invoice, outcome } = await this.intake.receive(parseClaim(body), caller, 'fhir-claim');
    if (outcome !== 'unchanged')
      await this.audit.record({
        actor: actorOf(caller),
        action: 'invoice.received',
        target: `Claim/${invoice.id}`,
        correlationId: currentCorrelationId(),
        detail: { source: 'fhir-claim', finess: invoice.finess, stored: 1, version: invoice.version },
      });
    return Reply.located(outcome === 'created' ? 201 : 200, `/fhir/Claim/${invoice.id}`, buildClaim(invoice));
  }

  @Get('fhir/Claim/:id')
  @Route({
    summary: 'An invoice as the Claim we understood, with its state (extension fides-invoice-state).',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'Claim', kind: 'read', name: 'read' },
    roles: ['gap', 'billing', 'operator'],
  })
  async read(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('Claim')) id: string): Promise<Reply> {
    return Reply.fhir(buildClaim(await this.readable(caller, id, 'Claim')));
  }

  @Get('fhir/Claim')
  @Route({
    summary: 'Search invoices by number: ?identifier=[system|]number (searchset Bundle, within the caller’s establishments).',
    tag: 'FHIR',
    errors: [400, 401, 403, 429],
    fhir: { resource: 'Claim', kind: 'search-type', name: 'search-type' },
    roles: ['gap', 'billing', 'operator'],
  })
  async search(@Caller() caller: Principal, @Query('identifier') identifier: unknown): Promise<Reply> {
    if (typeof identifier !== 'string' || identifier === '')
      throw new GatewayError('INVALID_INPUT', 'Search Claims by identifier (the invoice number)', 'identifier');
    const [system, value] = identifier.includes('|') ? identifier.split('|', 2) : [undefined, identifier];
    if (system !== undefined && system !== '' && system !== FIDES_IDENTIFIERS.invoiceNumber)
      throw new GatewayError('INVALID_INPUT', `identifier system must be ${FIDES_IDENTIFIERS.invoiceNumber}`, 'identifier');
    const number = normaliseInvoiceNumber(value, 'identifier');
    const invoices = await this.store.byNumber(number, seesEverything(caller) ? 'all' : caller.finess);
    return Reply.fhir(searchset(invoices.map(buildClaim)));
  }

  @Get('fhir/ClaimResponse')
  @Route({
    summary: 'Where an invoice stands: ?request=Claim/{id} → searchset with its ClaimResponse (outcome queued, complete or error).',
    tag: 'FHIR',
    errors: [400, 401, 403, 429],
    fhir: {
      resource: 'ClaimResponse',
      kind: 'search-type',
      name: 'search-type',
      extensions: [FIDES_PREFLIGHT.errorExpression, RETURNS_EXTENSIONS.amountMismatch],
    },
    roles: ['gap', 'billing', 'operator'],
  })
  async claimResponse(@Caller() caller: Principal, @Query('request') request: unknown): Promise<Reply> {
    const id = typeof request === 'string' ? /^(?:Claim\/)?([0-9a-f-]{36})$/i.exec(request)?.[1] : undefined;
    if (!id || !isUuid(id)) throw new GatewayError('INVALID_INPUT', 'request must be Claim/{id}', 'request');
    const invoice = await this.store.get(id);
    const found = invoice && mayRead(caller, { finess: invoice.finess }) ? [buildClaimResponse(invoice, await this.returned(invoice))] : [];
    return Reply.fhir(searchset(found));
  }

  /** The RSP's outcome of an invoice it settled (not of an earlier version sent again since). */
  private async returned(invoice: StoredInvoice): Promise<InvoiceOutcomeView | undefined> {
    if (!SETTLED.has(invoice.state)) return undefined;
    return this.reconciliation?.latestOutcome(invoice.id);
  }

  private async readable(caller: Principal, id: string, type: string): Promise<StoredInvoice> {
    const invoice = await this.store.get(id);
    if (!invoice || !mayRead(caller, { finess: invoice.finess })) throw new GatewayError('NOT_FOUND', `${type}/${id} does not exist`);
    return invoice;
  }
}
