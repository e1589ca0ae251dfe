import { Body, Controller, Inject, Post, UseGuards } from '@nestjs/common';
import { GatewayError } from '../common/gateway-error';
import { validateNir } from '../identifiers';
import type { ErasureReport } from '../platform/retention-runner';
import { PATIENT_ERASURE } from '../platform/tokens';
import { KioskGuard } from './kiosk.guard';
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
@UseGuards(KioskGuard) // roles: admin only — wired by the roles change at merge; until then any authenticated client
export class PatientErasureController {
  constructor(@Inject(PATIENT_ERASURE) private readonly erasure: PatientErasure) {}

  @Post('purge')
  @Route({
    summary: 'Erase a patient\'s data ({"nir"}) where the law allows; counts per kind, billing records kept (RGPD art. 17(3)(b))',
    tag: 'Operations',
    body: 'application/json',
    errors: [400, 401, 403, 429, 503],
  })
  async purge(@Body('nir') nir: unknown): Promise<ErasureReport> {
    if (typeof nir !== 'string') throw new GatewayError('INVALID_INPUT', 'Send {"nir": "<15 characters>"}', 'nir');
    const valid = validateNir(nir);
    if (!valid.ok) throw new GatewayError('INVALID_INPUT', `Invalid NIR: ${valid.reason}`, 'nir');
    const report = await this.erasure.erase(nir);
    // audit: purge — who (client id/role) erased a patient's data, and the counts (never the NIR); wired at merge.
    return report;
  }
}
