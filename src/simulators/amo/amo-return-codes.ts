/**
 * Codes and wordings the simulated AMO puts in its returns — MODELLED, NOT OFFICIAL. The real ARL reasons and NOEMIE
 * reject/warning motive tables are in GIE SESAM-Vitale's ETS-DT-003, which is not public (../../../shared BILLING.md):
 * these are ours, chosen to be recognisable in tests and demos, and kept here as data so that nothing else spells them.
 *
 * Wordings are written in the return as B2 text (upper case, no accents, no punctuation: "DROITS FERMES…").
 */

/** Why a whole file gets a negative ARL (100.reasonCode, 4 characters). */
export const ARL_REASONS = {
  /** The file could not be decrypted with our key (not encrypted to us, or altered). */
  undecryptable: { code: 'CHIF', wording: 'fichier indéchiffrable' },
  /** No seal, or a seal that does not verify: signing is mandatory since 1 June 2025. */
  unsigned: { code: 'SIGN', wording: 'fichier non signé ou signature invalide' },
  /** Sealed by a certificate that is not trusted, expired, or not a seal certificate. */
  untrustedSigner: { code: 'CERT', wording: 'certificat de signature non reconnu' },
  /** A line that does not read with the B2 declarations (the 110 names line, record type and field). */
  malformed: { code: 'STRU', wording: 'structure du fichier B2 non conforme' },
  /** Lot or file trailers whose counts or totals do not match the file. */
  envelope: { code: 'TOTX', wording: 'totaux ou compteurs du fichier erronés' },
  /** More than one (grand régime, caisse gestionnaire) in the file [public rule: one caisse per file]. */
  severalFunds: { code: 'CAIS', wording: 'un fichier ne peut viser qu une caisse' },
  /** Refused on purpose (fault injection `refuseFile`). */
  refused: { code: 'REFU', wording: 'fichier refusé par la caisse (simulé)' },
} as const;

export type ArlReason = (typeof ARL_REASONS)[keyof typeof ARL_REASONS];

/** Anomaly codes of the ARL 110 lines (4 characters). */
export const ARL_ANOMALIES = {
  /** Unreadable line: the 110 carries line, record type and field of the B2ParseError. */
  unreadable: 'L001',
  /** Trailer counts/totals (checkEnvelope). */
  envelope: 'L002',
  /** A lot header or invoice naming another caisse than the file header. */
  otherFund: 'L003',
} as const;

/** Invoice rejects (RSP 200 outcome R) and warnings (outcome S), 210.anomalyCode (5 characters). */
export const RSP_MOTIVES = {
  rightsClosed: { code: 'DF001', data: 'DROITS', wording: 'droits fermés à la date des soins' },
  unknownPatient: { code: 'BI002', data: 'NIR', wording: 'bénéficiaire inconnu de la caisse' },
  wrongFund: { code: 'CG003', data: 'CAISSE', wording: 'caisse gestionnaire erronée pour ce bénéficiaire' },
  invalidNir: { code: 'NI004', data: 'NIR', wording: 'NIR invalide' },
  invalidInvoice: { code: 'FA005', data: 'FACTURE', wording: 'données de facturation invalides' },
  /** Warning: billed below 100 % for a patient in ALD, paid at 100 % of the base. */
  aldFullRate: { code: 'SG101', data: 'TAUX', wording: 'exonération ALD : remboursé à 100 % de la base' },
} as const;

export type RspMotive = (typeof RSP_MOTIVES)[keyof typeof RSP_MOTIVES];

/** Norm/version stamped in the 000 of every return (modelled). */
export const RETURN_NORM_VERSION = 'NOEMIE1M';
