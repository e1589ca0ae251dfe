import { INS_SYSTEMS, RIGHTS_NIR_SYSTEMS } from '../identifiers';

/**
 * Identifier systems (FR Core) and our own modelled extension URLs. The INS ones are shared with HL7 and live in
 * src/identifiers; the names below stay so FHIR code reads in FHIR terms.
 */
export const NIR_SYSTEMS = INS_SYSTEMS;

export const NIR_SYSTEM_LIST: readonly string[] = RIGHTS_NIR_SYSTEMS;

export const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';

/** Modelled: no French profile exists for eligibility; these extensions are ours and documented in the README. */
const EXT = 'https://passerelle.dev/fhir/StructureDefinition';
export const EXTENSIONS = {
  expiresAt: `${EXT}/rights-answer-expires`,
  amoOrganism: `${EXT}/amo-organism`,
  c2s: `${EXT}/c2s`,
  ame: `${EXT}/ame`,
  maternity: `${EXT}/maternity`,
  natureAssurance: `${EXT}/nature-assurance`,
  exoneration: `${EXT}/exoneration-ticket-moderateur`,
  atmp: `${EXT}/at-mp`,
  rightsStatus: `${EXT}/amo-rights-status`,
} as const;
