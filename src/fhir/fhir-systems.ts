/** Identifier systems (FR Core) and our own modelled extension URLs. */
export const NIR_SYSTEMS = {
  /** INS-NIR, the production identity. */
  insNir: 'urn:oid:1.2.250.1.213.1.4.8',
  /** NIA: temporary identifier — not usable for a rights check. */
  nia: 'urn:oid:1.2.250.1.213.1.4.9',
  /** INS-NIR test and demo identities (the only ones allowed in fixtures). */
  testNir: 'urn:oid:1.2.250.1.213.1.4.10',
  demoNir: 'urn:oid:1.2.250.1.213.1.4.11',
} as const;

export const NIR_SYSTEM_LIST: string[] = [NIR_SYSTEMS.insNir, NIR_SYSTEMS.testNir, NIR_SYSTEMS.demoNir];

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
