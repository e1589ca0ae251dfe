/**
 * OIDs of the national health identifier (INS) and its look-alikes, shared by every flow: HL7 carries them bare in
 * PID-3.4.2 (CX assigning authority), FHIR as `urn:oid:` identifier systems. Only the INS-NIR (and its test/demo
 * twins) may be used to ask an insurer for rights; a NIA is a temporary number the insurer does not know.
 */
export const INS_OIDS = {
  /** INS-NIR, the production identity. */
  insNir: '1.2.250.1.213.1.4.8',
  /** NIA: temporary identifier — not usable for a rights check. */
  nia: '1.2.250.1.213.1.4.9',
  /** INS-NIR test and demo identities (the only ones allowed in fixtures). */
  testNir: '1.2.250.1.213.1.4.10',
  demoNir: '1.2.250.1.213.1.4.11',
} as const;

/** The same OIDs as FHIR identifier systems. */
export const INS_SYSTEMS = {
  insNir: `urn:oid:${INS_OIDS.insNir}`,
  nia: `urn:oid:${INS_OIDS.nia}`,
  testNir: `urn:oid:${INS_OIDS.testNir}`,
  demoNir: `urn:oid:${INS_OIDS.demoNir}`,
} as const;

/** Identifier systems whose value is a NIR we may send to the insurer (production, test, demo). */
export const RIGHTS_NIR_SYSTEMS: readonly string[] = [INS_SYSTEMS.insNir, INS_SYSTEMS.testNir, INS_SYSTEMS.demoNir];
