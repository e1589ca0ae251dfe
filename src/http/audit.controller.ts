import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { AuditStore } from '../audit/audit.store';
import { GatewayError } from '../common/gateway-error';
import { AUDIT } from '../platform/tokens';
import { Route } from './route-doc';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;

/** The audit trail for operators: newest first, `limit` per page, `before` = the `next` of the previous page. */
@Controller()
export class AuditController {
  constructor(@Inject(AUDIT) private readonly audit: AuditStore) {}

  @Get('audit')
  @Route({
    summary: 'Audit events, newest first (?limit=1..500, ?before=<next>, ?action=, ?clientId=): who did what, when',
    tag: 'Operations',
    errors: [400, 401, 403, 429],
    roles: ['operator'],
  })
  async list(@Query() q: Record<string, string | undefined>): Promise<Record<string, unknown>> {
    const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw new GatewayError('INVALID_INPUT', `limit must be an integer between 1 and ${MAX_PAGE}`, 'limit');
    if (q.before !== undefined && !/^[1-9]\d{0,17}$/.test(q.before))
      throw new GatewayError('INVALID_INPUT', 'before must be the next value of a previous page', 'before');
    for (const name of ['action', 'clientId'] as const)
      if (q[name] !== undefined && !/^[A-Za-z0-9:._-]{1,200}$/.test(q[name]))
        throw new GatewayError('INVALID_INPUT', `${name} has characters an audit value never has`, name);
    const page = await this.audit.page({ before: q.before, limit, action: q.action, clientId: q.clientId });
    if (!page.next) return { events: page.events };
    const next = new URLSearchParams({ limit: String(limit), before: page.next });
    if (q.action) next.set('action', q.action);
    if (q.clientId) next.set('clientId', q.clientId);
    return { events: page.events, next: page.next, nextUrl: `/audit?${next.toString()}` };
  }
}
