/**
 * A lot's reference, shared by the lot, its transmission (lotRef) and its returns (ARL_<lotRef>.p7m,
 * RSP_<lotRef>.p7m): `B2-<emitter FINESS juridique 9>-<grand régime 2><caisse 3>-<file number 6 digits>`, e.g.
 * `B2-750000001-01751-000042` (our convention, /work/wt/CONTRACTS.md; the B2 norm has no such name).
 */
import type { LotRecipient } from './lot-recipient';

export const LOT_REF = /^B2-(\d{9})-(\d{2})(\d{3})-(\d{6})$/;

export function lotRefOf(emitterId: string, recipient: LotRecipient, fileNumber: number): string {
  if (!Number.isInteger(fileNumber) || fileNumber < 1 || fileNumber > 999_999)
    throw new Error(`file number ${fileNumber} does not fit the 6 digits of the file header`);
  return `B2-${emitterId}-${recipient.grandRegime}${recipient.managingFund}-${String(fileNumber).padStart(6, '0')}`;
}

/** The 3-digit lot number of the B2 lot header for the n-th lot of an (emitter, recipient): 1…999, then 1 again. */
export function lotNumberOf(lotSequence: number): number {
  return ((lotSequence - 1) % 999) + 1;
}
