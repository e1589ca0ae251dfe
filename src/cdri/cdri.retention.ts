import { type RetentionRule } from '../persistence/retention';
import { type LotStore } from './lots/lot.store';

/**
 * How long CDRi keeps what it learnt about patients. A rights answer is compared with the next one (a night lot
 * flags rights that closed since the last check), and the establishment's billing office may be asked why a stay
 * was billed to an organism: three months covers both. Planned encounters only serve the night lots of the days
 * around them. None of this is a billing record; all of it is erasable on a patient's request.
 */
export function cdriRetention(lots: LotStore): RetentionRule[] {
  return [
    {
      kind: 'rights-answers',
      description: 'AMO rights checks (NIR, birth date, the insurer answer) once answered or failed',
      defaultDays: 90,
      table: 'rights_check',
      ageColumn: 'requested_at',
      where: `state <> 'pending'`,
      erasure: { where: `nir = $1 OR assure_nir = $1` },
    },
    {
      kind: 'lot-items',
      description: 'Night-lot items (NIR, names, birth date, answer) of finished lots',
      defaultDays: 90,
      table: 'cdri_lot_item',
      ageColumn: 'updated_at',
      where: `lot_id IN (SELECT id FROM cdri_lot WHERE finished_at IS NOT NULL)`,
      erasure: { where: `nir = $1` },
    },
    {
      // After the items (they reference the lot).
      kind: 'lots',
      description: 'Finished night lots with no item left, and their sub-lot cursors (no patient data)',
      defaultDays: 90,
      purge: (days, limit) => lots.purgeFinishedEmpty(days, limit),
    },
    {
      kind: 'planned-encounters',
      description: 'Planned encounters from pre-admissions (NIR, names, birth date), counted from the planned date',
      defaultDays: 30,
      table: 'planned_encounter',
      ageColumn: 'planned_date',
      erasure: { where: `nir = $1` },
    },
  ];
}
