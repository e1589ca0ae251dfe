import { Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import type { Principal } from '../access/roles';
import { actorOf, type AuditTrail } from '../audit/audit-trail';
import { GatewayError } from '../common/gateway-error';
import type { Hl7InboxOperations, PageCursor } from '../hl7/inbox/hl7-inbox-operations';
import { isUuid } from '../identifiers';
import { currentCorrelationId } from '../observability/correlation';
import { AUDIT, HL7_INBOX } from '../platform/tokens';
import { Caller } from './access.guard';
import { Route } from './route-doc';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;
const CONTENT_HASH = /^[0-9a-f]{64}$/;

/**
 * The HL7 edge's safety tables for operators: MSH-10 conflicts (refused AR, /health `hl7-inbox` degraded until
 * acknowledged) and parked poison messages (resolve, or replay through the MLLP handler once the cause is fixed).
 * Lists give who sent which control id and when, never the bytes: they hold patient data.
 */
@Controller('hl7')
export class Hl7InboxController {
  constructor(
    @Inject(HL7_INBOX) private readonly inbox: Hl7InboxOperations,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Get('conflicts')
  @Route({
    summary: 'MSH-10 conflicts, newest first (?open=true, ?limit=1..500, ?before=<next>): sender, control id, times; no message content',
    tag: 'Operations',
    errors: [400, 401, 403, 429, 503],
    roles: ['operator'],
  })
  async conflicts(@Query() q: Record<string, string | undefined>): Promise<Record<string, unknown>> {
    const query = pageQuery(q);
    const page = await this.inbox.conflicts(query);
    return { conflicts: page.conflicts, ...nextOf('/hl7/conflicts', query, page.next) };
  }

  @Post('conflicts/:id/acknowledge')
  @Route({
    summary: 'Acknowledge an MSH-10 conflict (idempotent): /health stops reporting it',
    tag: 'Operations',
    errors: [401, 403, 404, 415, 429, 503],
    roles: ['operator'],
  })
  async acknowledge(@Caller() caller: Principal, @Param('id') id: string): Promise<Record<string, unknown>> {
    const done = isUuid(id) ? await this.inbox.acknowledgeConflict(id) : undefined;
    if (!done) throw new GatewayError('NOT_FOUND', `HL7 conflict ${id.slice(0, 64)} does not exist`);
    // Only the first acknowledgement is an event; repeating it changes nothing.
    if (done.now)
      await this.audit.record({
        actor: actorOf(caller),
        action: 'hl7.conflict-acknowledged',
        target: `hl7_id_conflict/${id}`,
        correlationId: currentCorrelationId(),
      });
    return { id, acknowledgedAt: done.acknowledgedAt };
  }

  @Get('parked')
  @Route({
    summary:
      'Parked (poison) HL7 messages, newest first (?open=true, ?limit=1..500, ?before=<next>): hash, sender, control id, attempts, error class',
    tag: 'Operations',
    errors: [400, 401, 403, 429, 503],
    roles: ['operator'],
  })
  async parked(@Query() q: Record<string, string | undefined>): Promise<Record<string, unknown>> {
    const query = pageQuery(q);
    const page = await this.inbox.parked(query);
    return { parked: page.parked, ...nextOf('/hl7/parked', query, page.next) };
  }

  @Post('parked/:hash/resolve')
  @Route({
    summary: 'Mark a parked HL7 message resolved (idempotent), without replaying it',
    tag: 'Operations',
    errors: [401, 403, 404, 415, 429, 503],
    roles: ['operator'],
  })
  async resolve(@Caller() caller: Principal, @Param('hash') hash: string): Promise<Record<string, unknown>> {
    const done = CONTENT_HASH.test(hash) ? await this.inbox.resolveParked(hash) : undefined;
    if (!done) throw notParked(hash);
    if (done.now)
      await this.audit.record({
        actor: actorOf(caller),
        action: 'hl7.parked-resolved',
        target: `hl7_parked_message/${hash}`,
        correlationId: currentCorrelationId(),
      });
    return { contentHash: hash, resolvedAt: done.resolvedAt };
  }

  @Post('parked/:hash/replay')
  @Route({
    summary: 'Replay a parked HL7 message through the MLLP handler (validated, stored and followed up once); resolved on AA',
    tag: 'Operations',
    errors: [401, 403, 404, 415, 429, 503],
    roles: ['operator'],
  })
  async replay(@Caller() caller: Principal, @Param('hash') hash: string): Promise<Record<string, unknown>> {
    const outcome = CONTENT_HASH.test(hash) ? await this.inbox.replayParked(hash) : undefined;
    if (!outcome) throw notParked(hash);
    // Every replay is an event, whatever it got: the ACK code says what it did.
    await this.audit.record({
      actor: actorOf(caller),
      action: 'replay',
      target: `hl7_parked_message/${hash}`,
      correlationId: currentCorrelationId(),
      detail: { ack: outcome.ackCode, resolved: outcome.resolvedAt !== undefined },
    });
    return { contentHash: hash, ...outcome };
  }
}

function pageQuery(q: Record<string, string | undefined>): { open: boolean; limit: number; before?: PageCursor } {
  const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new GatewayError('INVALID_INPUT', `limit must be an integer between 1 and ${MAX_PAGE}`, 'limit');
  if (q.open !== undefined && q.open !== 'true' && q.open !== 'false')
    throw new GatewayError('INVALID_INPUT', 'open must be true or false', 'open');
  if (q.before === undefined) return { open: q.open === 'true', limit };
  // <microseconds since the epoch>_<id or content hash>, as `next` of a previous page gives it.
  const cursor = /^([1-9]\d{0,17})_([0-9a-f-]{36}|[0-9a-f]{64})$/.exec(q.before);
  if (!cursor) throw new GatewayError('INVALID_INPUT', 'before must be the next value of a previous page', 'before');
  return { open: q.open === 'true', limit, before: { micros: cursor[1], key: cursor[2] } };
}

function nextOf(path: string, q: { open: boolean; limit: number }, next: PageCursor | undefined): Record<string, string> {
  if (!next) return {};
  const before = `${next.micros}_${next.key}`;
  const params = new URLSearchParams({ open: String(q.open), limit: String(q.limit), before });
  return { next: before, nextUrl: `${path}?${params.toString()}` };
}

function notParked(hash: string): GatewayError {
  return new GatewayError('NOT_FOUND', `No HL7 message is parked under ${hash.slice(0, 64)}`);
}
