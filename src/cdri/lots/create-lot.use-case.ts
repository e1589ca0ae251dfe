import { GatewayError } from '../../common/gateway-error';
import { type AppLogger } from '../../observability/logger';
import { isIsoDate, validateNir } from '../../identifiers';
import { lotWindow } from './lot-dates';
import { type Lot, type LotMode, type LotStore, type SubmittedLotItem } from './lot.store';

export interface LotSettings {
  horizonDays: number;
  timeZone: string;
  mode: LotMode;
}

/**
 * Creating night lots — the use case behind the scheduler, the manual trigger, FHIR $submit-batch and the CSV
 * upload. Lots are created queued; the runner starts them one per establishment at a time.
 */
export class CreateLotUseCase {
  constructor(
    private readonly store: LotStore,
    private readonly settings: LotSettings,
    private readonly kick: () => void,
    private readonly log: AppLogger,
  ) {}

  /** Tonight's lot of an establishment: every planned encounter in the horizon. Idempotent per night when scheduled. */
  async planNight(
    finess: string,
    trigger: 'schedule' | 'manual',
    requestedBy: string,
    correlationId: string,
    now = new Date(),
  ): Promise<Lot> {
    const w = lotWindow(now, this.settings.timeZone, this.settings.horizonDays);
    const { lot, created } = await this.store.createPlanned(
      {
        finess,
        lotDate: w.lotDate,
        horizonDays: this.settings.horizonDays,
        mode: this.settings.mode,
        trigger,
        requestedBy,
        correlationId,
      },
      w.from,
      w.to,
    );
    if (!created) return lot;
    this.log.info({ lotId: lot.id, finess, trigger, total: lot.total, from: w.from, to: w.to }, 'CDRi lot created');
    this.kick();
    return lot;
  }

  /** A lot of an explicit list (scheduler's Bundle, CSV export of the GAP). Every entry is validated first. */
  async submitList(
    finess: string,
    trigger: 'fhir' | 'csv',
    requestedBy: string,
    correlationId: string,
    items: SubmittedLotItem[],
    now = new Date(),
  ): Promise<Lot> {
    const t0 = Date.now();
    if (items.length === 0) throw new GatewayError('INVALID_INPUT', 'The list holds no patient');
    // Every value PostgreSQL would refuse is refused here first, naming where it came from: a value refused by the
    // database would be a 500, and its error text quotes the value (a birth date) into the log.
    for (const it of items) {
      const nir = validateNir(it.nir);
      if (!nir.ok) throw new GatewayError('INVALID_INPUT', `${it.fields.nir}: invalid NIR: ${nir.reason}`, it.fields.nir);
      if (!isIsoDate(it.dateOfCare)) {
        throw new GatewayError(
          'INVALID_INPUT',
          `${it.fields.dateOfCare}: date of care must be a real day (YYYY-MM-DD)`,
          it.fields.dateOfCare,
        );
      }
      if (it.birthDate !== undefined && !isIsoDate(it.birthDate)) {
        throw new GatewayError('INVALID_INPUT', `${it.fields.birthDate}: birth date must be a real day (YYYY-MM-DD)`, it.fields.birthDate);
      }
      if (it.birthDate !== undefined && it.birthDate > it.dateOfCare) {
        throw new GatewayError('BUSINESS_RULE', `${it.fields.birthDate}: birth date is after the date of care`, it.fields.birthDate);
      }
    }
    const validated = Date.now();
    const lot = await this.store.createWithItems(
      {
        finess,
        lotDate: lotWindow(now, this.settings.timeZone, 1).lotDate,
        horizonDays: this.settings.horizonDays,
        mode: this.settings.mode,
        trigger,
        requestedBy,
        correlationId,
      },
      items,
    );
    // Set-up durations (validation, then lot and items stored) are what the night-lot benchmark breaks down.
    this.log.info(
      {
        lotId: lot.id,
        finess,
        trigger,
        total: lot.total,
        submitted: items.length,
        validateMs: validated - t0,
        storeMs: Date.now() - validated,
      },
      'CDRi lot created',
    );
    this.kick();
    return lot;
  }
}
