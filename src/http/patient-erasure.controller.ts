import { Body, Controller, Inject, Post } from '@nestjs/common';
import { actorOf, type AuditTrail } from '../audit/audit-trail';
import type { Principal } from '../access/roles';
import { GatewayError } from '../common/gateway-error';
import { validateNir } from '../identifiers';
import type { ErasureReport } from '../platform/retention-runner';
import { AUDIT, PATIENT_ERASURE } from '../platform/tokens';
import { currentCorrelationId } from '../observability/correlation';
import { Caller } from './access.guard';
import { KiB } from './request-body';
import { Route } from './route-doc';

/** What the route needs of the retention runner. */
export interface PatientErasure {
  erase(nir: string): Promise<ErasureReport>;
}

/**
 * A patient's right to erasure (RGPD art. 17), asked through the DPO: every kind of stored data that allows it is
 * erased, in bounded batches; kinds a law requires keeping (billing records) are listed with the reason, not erased.
 * The answer gives counts per kind and never echoes the NIR.
 */
@Controller('admin')
export class PatientErasureController {
  constructor(
    @Inject(PATIENT_ERASURE) private readonly erasure: PatientErasure,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('purge')
  @Route({
    summary: 'Erase a patient\'s data ({"nir"}) where the law allows; counts per kind, billing records kept (RGPD art. 17(3)(b))',
    tag: 'Operations',
    body: 'application/json',
    // {"nir": "…"}: a few dozen bytes.
    maxBodyBytes: KiB,
    errors: [400, 401, 403, 413, 415, 429, 503],
    roles: ['admin'],
  })
  async purge(@Caller() caller: Principal, @Body('nir') nir: unknown): Promise<ErasureReport> {
    if (typeof nir !== 'string') throw new GatewayError('INVALID_INPUT', 'Send {"nir": "<15 characters>"}', 'nir');
    const valid = validateNir(nir);
    if (!valid.ok) throw new GatewayError('INVALID_INPUT', `Invalid NIR: ${valid.reason}`, 'nir');
    const report = await this.erasure.erase(nir);
    // Who erased a patient's data and how much, never whose: the NIR stays out of the trail.
    const erased = Object.values(report.erased).reduce((a, b) => a + b, 0);
    await this.audit.record({
      actor: actorOf(caller),
      action: 'purge.patient',
      correlationId: currentCorrelationId(),
      detail: { rows: erased },
    });
    return report;
  }
}
