import { type RetentionRule } from '../persistence/retention';
import { FINAL_INVOICE_STATES } from './invoice-state';

/**
 * Invoices are billing records: kept ten years after their last change once final (paid, rejected…), never erased
 * on a patient's request (art. 17(3)(b) RGPD: a legal obligation to keep them). Their history goes with them.
 */
export function fidesRetention(): RetentionRule[] {
  return [
    {
      kind: 'invoices',
      description: 'FIDES invoices (the draft with NIRs, amounts, earlier versions, state history) once final',
      defaultDays: 3650,
      table: 'invoice',
      ageColumn: 'updated_at',
      where: `state IN (${FINAL_INVOICE_STATES.map((s) => `'${s}'`).join(', ')})`,
      erasure: { kept: 'billing record the establishment must keep (art. 17(3)(b) RGPD)' },
    },
  ];
}
