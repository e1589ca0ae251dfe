import { rm } from 'node:fs/promises';
import { type RetentionRule } from '../persistence/retention';
import { type TransmissionStore } from './outbox';

/**
 * Why billing records are kept ten years by default: a transmission, its attempts and the insurer's signed return
 * are the establishment's proof of what it billed and when, i.e. accounting supporting documents, which French
 * law requires keeping ten years (Code de commerce art. L123-22; public hospitals follow the same figure for their
 * accounting documents). The insurers' own limitation periods are shorter (2 years for a claim to be paid, art.
 * L332-1 Code de la sécurité sociale; 3 years for an undue payment to be recovered, art. L133-4), so ten years
 * covers them. This is an assumption to check with the establishment's DPO and accountant: RETENTION changes it.
 * Because a law requires keeping them, they are not erased on a patient's request (RGPD art. 17(3)(b)).
 */
const BILLING_DAYS = 3650;
const BILLING_KEPT = 'billing record under legal retention (RGPD art. 17(3)(b); Code de commerce L123-22, 10 years)';

/**
 * Retention of transport's tables and files. Order matters: returns before the transmissions they reference.
 * The decrypted copy of a return (patient lists in clear) only serves its processing: it goes after 90 days, the
 * signed and encrypted original stays with the billing record. The sealed spool file is a work copy for sending
 * and resending; 90 days after delivery it goes (the transmission row keeps its SHA-256 and size).
 */
export function transportRetention(store: TransmissionStore): RetentionRule[] {
  return [
    {
      kind: 'returns-decrypted',
      description: 'Decrypted content of insurer returns (patient lists in clear) once processed',
      defaultDays: 90,
      table: 'inbound_return',
      ageColumn: 'received_at',
      where: 'processed_at IS NOT NULL',
      clear: ['content'],
      erasure: { where: `position(convert_to($1, 'UTF8') IN content) > 0` },
    },
    {
      kind: 'spool-files',
      description: 'Sealed lot files in the spool directory, once delivered',
      defaultDays: 90,
      purge: async (days, limit) => {
        const expired = await store.expiredSpools(days, limit);
        for (const t of expired) {
          await rm(t.spoolPath, { force: true });
          await store.spoolRemoved(t.id);
        }
        return expired.length;
      },
    },
    {
      kind: 'returns',
      description: 'Insurer returns as received (signed, encrypted): billing records',
      defaultDays: BILLING_DAYS,
      table: 'inbound_return',
      ageColumn: 'received_at',
      erasure: { kept: BILLING_KEPT },
    },
    {
      kind: 'transmissions',
      description: 'Lot transmissions and their attempts (what was sent to whom, when): billing records',
      defaultDays: BILLING_DAYS,
      purge: async (days, limit) => {
        const { deleted, spools } = await store.purgeFinished(days, limit);
        for (const path of spools) await rm(path, { force: true });
        return deleted;
      },
      erasure: { kept: BILLING_KEPT },
    },
  ];
}
