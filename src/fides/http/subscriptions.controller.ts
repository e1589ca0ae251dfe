import { Body, Controller, Delete, Get, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { mayRead, type Principal, seesEverything } from '../../access/roles';
import { actorOf, type AuditTrail } from '../../audit/audit-trail';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { operationOutcome } from '../../fhir/operation-outcome';
import { Caller } from '../../http/access.guard';
import { ResourceIdPipe } from '../../http/pipes';
import { Reply } from '../../http/reply';
import { KiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId } from '../../observability/correlation';
import { AUDIT, CONFIG } from '../../platform/tokens';
import { searchset } from '../fhir/claim-response.builder';
import { InvoiceStore } from '../invoice.store';
import { parseSubscription, type SubscriptionRequest } from '../subscriptions/subscription.parser';
import { subscriptionResource } from '../subscriptions/subscription.resource';
import { type StoredSubscription, SubscriptionStore } from '../subscriptions/subscription.store';

const STATUSES = ['requested', 'active', 'error', 'off'] as const;

/**
 * FHIR R4 Subscriptions (rest-hook) on ClaimResponse: the GAP follows its invoices without polling. A subscription
 * belongs to the client that created it (and follows the establishments that client acts for then); another
 * client's subscription is "not found". Operators and admins read all of them and may re-activate or pause any.
 */
@Controller()
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly invoices: InvoiceStore,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('fhir/Subscription')
  @Route({
    summary:
      'A rest-hook Subscription on ClaimResponse (criteria ClaimResponse[?request=Claim/{id}][&outcome=…]): 201, active at once; each change of a matching invoice is notified (at least once, in order, retried, then status error).',
    tag: 'FHIR',
    body: 'application/fhir+json',
    maxBodyBytes: 32 * KiB,
    status: 201,
    errors: [400, 401, 403, 413, 415, 422, 429],
    fhir: { resource: 'Subscription', kind: 'create', name: 'create' },
    roles: ['gap', 'billing'],
  })
  async create(@Caller() caller: Principal, @Body() body: unknown): Promise<Reply> {
    const req = parseSubscription(body);
    const scopeAll = seesEverything(caller) && caller.finess.length === 0;
    if (!scopeAll && caller.finess.length === 0)
      throw new GatewayError('FORBIDDEN', 'This client acts for no establishment: it has no invoice to follow', 'Subscription');
    await this.checkRequestedClaim(caller, req);
    const max = this.config.fides?.subscriptions.maxPerClient ?? 20;
    const created = await this.subscriptions.create({ clientId: caller.clientId, finess: caller.finess, scopeAll }, req, max);
    if (!created)
      throw new GatewayError(
        'BUSINESS_RULE',
        `A client holds at most ${max} subscriptions (FIDES_SUBSCRIPTION_MAX_PER_CLIENT)`,
        'Subscription',
      );
    await this.record(caller, 'created', created);
    return Reply.located(201, `/fhir/Subscription/${created.id}`, subscriptionResource(created));
  }

  @Get('fhir/Subscription/:id')
  @Route({
    summary: 'A Subscription with its status (active, error with the last failure, off); header values are masked.',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'Subscription', kind: 'read', name: 'read' },
    roles: ['gap', 'billing', 'operator'],
  })
  async read(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('Subscription')) id: string): Promise<Reply> {
    return Reply.fhir(subscriptionResource(await this.owned(caller, id)));
  }

  @Get('fhir/Subscription')
  @Route({
    summary: 'The caller’s Subscriptions (operators: everyone’s), optionally ?status=requested|active|error|off (searchset Bundle).',
    tag: 'FHIR',
    errors: [400, 401, 403, 429],
    fhir: { resource: 'Subscription', kind: 'search-type', name: 'search-type' },
    roles: ['gap', 'billing', 'operator'],
  })
  async search(@Caller() caller: Principal, @Query('status') status: unknown): Promise<Reply> {
    if (status !== undefined && !(typeof status === 'string' && (STATUSES as readonly string[]).includes(status)))
      throw new GatewayError('INVALID_INPUT', `status must be one of ${STATUSES.join(', ')}`, 'status');
    const list = await this.subscriptions.list(
      seesEverything(caller) ? { all: true } : { clientId: caller.clientId },
      status as StoredSubscription['status'] | undefined,
    );
    return Reply.fhir(searchset(list.map((s) => subscriptionResource(s))));
  }

  @Put('fhir/Subscription/:id')
  @Route({
    summary:
      'Updates a Subscription; status requested (or active) re-activates one in error: failures forgotten, the changes it missed redelivered from its cursor. off pauses it.',
    tag: 'FHIR',
    body: 'application/fhir+json',
    maxBodyBytes: 32 * KiB,
    errors: [400, 401, 403, 404, 413, 415, 422, 429],
    fhir: { resource: 'Subscription', kind: 'update', name: 'update' },
    roles: ['gap', 'billing', 'operator'],
  })
  async update(
    @Caller() caller: Principal,
    @Param('id', new ResourceIdPipe('Subscription')) id: string,
    @Body() body: unknown,
  ): Promise<Reply> {
    const stored = await this.owned(caller, id);
    const req = parseSubscription(body, id);
    await this.checkRequestedClaim(caller, req);
    const updated = await this.subscriptions.update(id, req, stored.headers);
    if (!updated) throw new GatewayError('NOT_FOUND', `Subscription/${id} does not exist`);
    await this.record(caller, stored.status === 'error' && updated.status === 'active' ? 'reactivated' : 'updated', updated);
    return Reply.fhir(subscriptionResource(updated));
  }

  @Delete('fhir/Subscription/:id')
  @Route({
    summary: 'Deletes a Subscription: no further notification (one in flight may still arrive).',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'Subscription', kind: 'delete', name: 'delete' },
    roles: ['gap', 'billing'],
  })
  async remove(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('Subscription')) id: string): Promise<Reply> {
    const stored = await this.owned(caller, id);
    if (!(await this.subscriptions.delete(id))) throw new GatewayError('NOT_FOUND', `Subscription/${id} does not exist`);
    await this.record(caller, 'deleted', stored);
    return Reply.fhir(operationOutcome('information', 'informational', `Subscription/${id} deleted`));
  }

  /** The owner's, or any for operators and admins; otherwise "not found" (its existence is not disclosed). */
  private async owned(caller: Principal, id: string): Promise<StoredSubscription> {
    const s = await this.subscriptions.get(id);
    if (!s || !(seesEverything(caller) || s.clientId === caller.clientId))
      throw new GatewayError('NOT_FOUND', `Subscription/${id} does not exist`);
    return s;
  }

  /** `request=Claim/{id}` must name an invoice the caller may read: a subscription that can never match is an error. */
  private async checkRequestedClaim(caller: Principal, req: SubscriptionRequest): Promise<void> {
    if (!req.requestInvoiceId) return;
    const invoice = await this.invoices.get(req.requestInvoiceId);
    if (!invoice || !mayRead(caller, { finess: invoice.finess }))
      throw new GatewayError('BUSINESS_RULE', 'Subscription.criteria: the Claim in request does not exist', 'Subscription.criteria');
  }

  private async record(caller: Principal, change: 'created' | 'updated' | 'reactivated' | 'deleted', s: StoredSubscription): Promise<void> {
    await this.audit.record({
      actor: actorOf(caller),
      action: 'subscription.changed',
      target: `Subscription/${s.id}`,
      correlationId: currentCorrelationId(),
      detail: { change, criteria: s.criteria, status: s.status, owner: s.clientId },
    });
  }
}
