import { Controller, Inject, Post, Query, Req } from '@nestjs/common';
import type { Principal } from '../../access/roles';
import { actorOf, type AuditTrail } from '../../audit/audit-trail';
import { GatewayError } from '../../common/gateway-error';
import { Caller } from '../../http/access.guard';
import { Reply } from '../../http/reply';
import { MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId } from '../../observability/correlation';
import { AUDIT } from '../../platform/tokens';
import { type RsfImportResult, RsfImportUseCase } from '../rsf-import.use-case';
import { rsfLayoutYears } from '../rsf';

/**
 * An ATIH RSF month (text/plain, ISO-8859-1 as ATIH writes it), streamed to the reader: never held in memory. The
 * answer is 202 with a FHIR Parameters body — counts (read, accepted, refused, stored, alreadyReceived) and one
 * `error` part per problem naming line, record type and field — the accepted invoices then follow their own path.
 */
@Controller()
export class RsfImportController {
  constructor(
    private readonly rsf: RsfImportUseCase,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('fides/rsf')
  @Route({
    summary: 'Import an ATIH RSF file (?year= picks the layout): 202 with the counts read/accepted/refused and the errors (Parameters).',
    tag: 'Lots',
    body: 'text/plain',
    // A large hospital's month is tens of MB; read as a stream, one invoice in memory at a time.
    maxBodyBytes: 256 * MiB,
    bodyDelivery: 'stream',
    status: 202,
    errors: [400, 401, 403, 413, 415, 429],
    roles: ['billing'],
  })
  async import(@Caller() caller: Principal, @Req() req: { body?: unknown }, @Query('year') yearParam: unknown): Promise<Reply> {
    const body = req.body;
    if (!isStream(body)) throw new GatewayError('INVALID_INPUT', 'Send the RSF file as text/plain', 'body');
    const years = rsfLayoutYears();
    const year = yearParam === undefined ? undefined : Number(yearParam);
    if (year !== undefined && (!Number.isInteger(year) || year < Math.min(...years) || year > 2100))
      throw new GatewayError('INVALID_INPUT', `year must be ${Math.min(...years)} or later (layouts: ${years.join(', ')})`, 'year');
    const result = await this.rsf.import(body, caller, year);
    await this.audit.record({
      actor: actorOf(caller),
      action: 'invoice.received',
      target: 'rsf-import',
      correlationId: currentCorrelationId(),
      detail: { source: 'rsf', read: result.read, accepted: result.accepted, refused: result.refused, stored: result.stored },
    });
    return new Reply(202, importParameters(result));
  }
}

function importParameters(r: RsfImportResult): Record<string, unknown> {
  const count = (name: string, n: number) => ({ name, valueUnsignedInt: n });
  const text = (name: string, v: string | number | undefined) =>
    v === undefined || v === '' ? [] : [typeof v === 'number' ? { name, valueUnsignedInt: v } : { name, valueString: v }];
  return {
    resourceType: 'Parameters',
    parameter: [
      count('lines', r.lines),
      count('read', r.read),
      count('accepted', r.accepted),
      count('refused', r.refused),
      count('stored', r.stored),
      count('alreadyReceived', r.alreadyReceived),
      count('moreErrors', r.moreErrors),
      ...r.errors.map((e) => ({
        name: 'error',
        part: [
          ...text('line', e.line),
          ...text('recordType', e.recordType),
          ...text('field', e.field),
          ...text('invoiceLine', e.invoiceLine),
          ...text('message', e.message),
        ],
      })),
    ],
  };
}

function isStream(body: unknown): body is AsyncIterable<Buffer> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}
