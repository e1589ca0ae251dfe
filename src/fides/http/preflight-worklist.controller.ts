import { Controller, Get, Headers, Query } from '@nestjs/common';
import { type Principal, seesEverything } from '../../access/roles';
import { GatewayError } from '../../common/gateway-error';
import { Caller } from '../../http/access.guard';
import { Reply } from '../../http/reply';
import { Route } from '../../http/route-doc';
import { buildPreflightWorklist } from '../fhir/preflight-worklist.builder';
import { InvoiceStore } from '../invoice.store';
import { worklistCsv } from '../preflight';

/** The longest worklist one answer carries: the oldest held invoices first, the ones that cost most cash. */
const MAX_HELD = 5000;

/**
 * The pre-flight worklist (issue 9 §2): invoices held by pre-flight, with the rule codes and messages to correct them,
 * within the caller's establishments (operators: all). A FHIR List for the GAP, CSV for the billing office.
 */
@Controller()
export class PreflightWorklistController {
  constructor(private readonly store: InvoiceStore) {}

  @Get('fides/worklists/preflight')
  @Route({
    summary:
      'Invoices held by pre-flight, oldest first: a FHIR List (entries → Claim, flagged with the rule codes and messages), or CSV with ?_format=csv or Accept: text/csv.',
    tag: 'FHIR',
    errors: [400, 401, 403, 429],
    roles: ['billing', 'operator'],
  })
  async worklist(@Caller() caller: Principal, @Query('_format') format: unknown, @Headers('accept') accept: unknown): Promise<Reply> {
    if (format !== undefined && typeof format !== 'string') throw new GatewayError('INVALID_INPUT', '_format is one value', '_format');
    const csv =
      format === 'csv' || format === 'text/csv' || (format === undefined && typeof accept === 'string' && /\btext\/csv\b/.test(accept));
    if (format !== undefined && !csv && !/^(json|fhir\+json|application\/(fhir\+)?json)$/.test(format))
      throw new GatewayError('INVALID_INPUT', '_format must be csv or json', '_format');
    const held = await this.store.held(seesEverything(caller) ? 'all' : caller.finess, MAX_HELD);
    return csv ? Reply.text(worklistCsv(held), 'text/csv; charset=utf-8') : Reply.fhir(buildPreflightWorklist(held, new Date()));
  }
}
