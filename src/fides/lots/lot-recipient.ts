/**
 * Which file an invoice goes in: one logical file per physical file, for one grand régime and one caisse
 * gestionnaire [public: arrêté du 31/12/2014 — "un flux ne peut contenir qu'un seul fichier à destination d'un grand
 * régime et d'une caisse gestionnaire"]. The centre is written in the (modelled) envelope when all the invoices of
 * the file name the same one; it does not split files.
 */
import type { InvoiceDraft } from '../invoice-draft';
import type { DraftProblem } from './b2-invoice-context';

export interface LotRecipient {
  /** Code grand régime, 2 digits. */
  readonly grandRegime: string;
  /** Caisse gestionnaire, 3 digits. */
  readonly managingFund: string;
}

export const recipientKey = (r: LotRecipient): string => `${r.grandRegime}/${r.managingFund}`;

export interface RecipientGroup {
  readonly recipient: LotRecipient;
  readonly drafts: readonly InvoiceDraft[];
}

/** A draft left out of the file, with why (pre-flight errors later). */
export interface RefusedDraft {
  readonly invoiceNumber: string;
  readonly problems: readonly DraftProblem[];
}

/** Groups drafts by (grand régime, caisse gestionnaire), in order of first appearance; drafts naming neither are unrouted. */
export function groupByRecipient(drafts: readonly InvoiceDraft[]): { groups: RecipientGroup[]; unrouted: RefusedDraft[] } {
  const groups = new Map<string, { recipient: LotRecipient; drafts: InvoiceDraft[] }>();
  const unrouted: RefusedDraft[] = [];
  for (const d of drafts) {
    const { grandRegime, managingFund } = d.coverage;
    if (grandRegime === undefined || managingFund === undefined) {
      const field = grandRegime === undefined ? 'grandRegime' : 'managingFund';
      unrouted.push({
        invoiceNumber: d.invoiceNumber,
        problems: [
          {
            code: 'FIDES-NO-RECIPIENT',
            field: `2.${field}`,
            message: `invoice ${d.invoiceNumber}: no ${field}, so no caisse to send it to`,
          },
        ],
      });
      continue;
    }
    const recipient = { grandRegime, managingFund };
    const key = recipientKey(recipient);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { recipient, drafts: [] }));
    g.drafts.push(d);
  }
  return { groups: [...groups.values()], unrouted };
}
