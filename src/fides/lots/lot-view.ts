/**
 * A lot as the HTTP routes show it: plain JSON (not a FHIR resource — a lot is ours, not a FHIR concept; its
 * transmission is the FHIR Task at /fhir/Task/{transmissionId}). Amounts in cents; never patient data nor the bytes.
 */
import type { StoredLot } from './lot.store';

export interface LotView {
  id: string;
  lotRef: string;
  state: StoredLot['state'];
  finess: string;
  emitterId: string;
  grandRegime: string;
  managingFund: string;
  recipientId: string;
  fileNumber: number;
  lotNumber: number;
  kind: StoredLot['kind'];
  invoiceCount: number;
  totalBilledCents: number;
  totalAmoCents: number;
  contentSha256: string;
  closeCause: StoredLot['closeCause'];
  closedBy: string;
  transmission: string | null;
  possibleDuplicate: boolean;
  arl: { status: string | null; reason: string | null; overdue: boolean };
  createdAt: string;
  handedOverAt: string | null;
  sentAt: string | null;
  acknowledgedAt: string | null;
  invoices?: Array<{ claim: string; position: number; billedCents: number; amoCents: number }>;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function lotView(
  lot: StoredLot,
  arlAlertHours: number,
  now: Date,
  invoices?: ReadonlyArray<{ invoiceId: string; position: number; billedCents: number; amoCents: number }>,
): LotView {
  const overdue =
    lot.state === 'sent' &&
    lot.arlStatus === null &&
    lot.sentAt !== null &&
    now.getTime() - lot.sentAt.getTime() > arlAlertHours * 3_600_000;
  return {
    id: lot.id,
    lotRef: lot.lotRef,
    state: lot.state,
    finess: lot.finess,
    emitterId: lot.emitterId,
    grandRegime: lot.grandRegime,
    managingFund: lot.managingFund,
    recipientId: lot.recipientId,
    fileNumber: lot.fileNumber,
    lotNumber: lot.lotNumber,
    kind: lot.kind,
    invoiceCount: lot.invoiceCount,
    totalBilledCents: lot.totalBilledCents,
    totalAmoCents: lot.totalAmoCents,
    contentSha256: lot.contentSha256,
    closeCause: lot.closeCause,
    closedBy: lot.closedBy,
    transmission: lot.transmissionId && `Task/${lot.transmissionId}`,
    possibleDuplicate: lot.possibleDuplicate,
    arl: { status: lot.arlStatus, reason: lot.arlReason, overdue },
    createdAt: lot.createdAt.toISOString(),
    handedOverAt: iso(lot.handedOverAt),
    sentAt: iso(lot.sentAt),
    acknowledgedAt: iso(lot.acknowledgedAt),
    ...(invoices && {
      invoices: invoices.map((i) => ({
        claim: `Claim/${i.invoiceId}`,
        position: i.position,
        billedCents: i.billedCents,
        amoCents: i.amoCents,
      })),
    }),
  };
}
