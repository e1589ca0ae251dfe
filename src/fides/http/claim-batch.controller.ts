import { Body, Controller, Inject, Post } from '@nestjs/common';
import type { Principal } from '../../access/roles';
import { actorOf, type AuditTrail } from '../../audit/audit-trail';
import { eachWithin } from '../../common/each-within';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { outcomeFor } from '../../fhir/operation-outcome';
import { Caller } from '../../http/access.guard';
import { Reply } from '../../http/reply';
import { MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId } from '../../observability/correlation';
import { AUDIT, CONFIG } from '../../platform/tokens';
import { readClaimBatch } from '../fhir/claim-batch';
import { buildClaim } from '../fhir/claim.builder';
import { parseClaim } from '../fhir/claim.parser';
import { ReceiveInvoiceUseCase } from '../receive-invoice.use-case';

/** What is done with a storage outage in the middle of a batch: the whole request fails (503), the stored entries stay. */
/** Entries received at once (each its own INSERT): enough to keep the database busy, few enough to share the pool. */
const ENTRIES_AT_ONCE = 8;
const WHOLE_REQUEST: ReadonlySet<string> = new Set(['INTERNAL', 'STORAGE_UNAVAILABLE']);

/**
 * Many invoices at once: a FHIR `batch` Bundle of Claims, each entry received on its own (201, 200 or its error
 * with an OperationOutcome naming the FHIRPath inside the Claim); one entry's error never blocks the others.
 */
@Controller()
export class ClaimBatchController {
  constructor(
    private readonly intake: ReceiveInvoiceUseCase,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('fhir')
  @Route({
    summary:
      'A batch Bundle of Claims (≤ FIDES_MAX_BATCH_ENTRIES): a batch-response Bundle, each entry with its own status and OperationOutcome.',
    tag: 'FHIR',
    body: 'application/fhir+json',
    // 1,000 Claims of a few KB each.
    maxBodyBytes: 16 * MiB,
    errors: [400, 401, 403, 413, 415, 429],
    fhir: { resource: '', kind: 'batch', name: 'batch' },
    roles: ['gap', 'billing'],
  })
  async batch(@Caller() caller: Principal, @Body() body: unknown): Promise<Reply> {
    const entries = readClaimBatch(body, this.config.fides?.maxBatchEntries ?? 1000);
    const counts = { stored: 0, unchanged: 0, refused: 0 };
    const answers: unknown[] = new Array(entries.length);
    // Entries are independent (issue 9 §1): a few at once, each answer at its entry's place. One at a time, intake
    // waited on one INSERT after the other (bench/fides-e2e.bench.ts). A whole-request error is thrown once all ran.
    await eachWithin(entries, ENTRIES_AT_ONCE, async (e, i) => {
      try {
        if ('error' in e) throw e.error;
        const { invoice, outcome } = await this.intake.receive(parseClaim(e.resource), caller, 'fhir-batch');
        counts[outcome === 'unchanged' ? 'unchanged' : 'stored']++;
        answers[i] = {
          resource: buildClaim(invoice),
          response: { status: outcome === 'created' ? '201 Created' : '200 OK', location: `Claim/${invoice.id}` },
        };
      } catch (err) {
        if (!(err instanceof GatewayError) || WHOLE_REQUEST.has(err.code)) throw err;
        counts.refused++;
        const { status, body: outcome } = outcomeFor(err);
        answers[i] = { response: { status: String(status), outcome } };
      }
    });
    await this.audit.record({
      actor: actorOf(caller),
      action: 'invoice.received',
      target: 'Bundle',
      correlationId: currentCorrelationId(),
      detail: { source: 'fhir-batch', entries: entries.length, ...counts },
    });
    return Reply.fhir({ resourceType: 'Bundle', type: 'batch-response', entry: answers });
  }
}
