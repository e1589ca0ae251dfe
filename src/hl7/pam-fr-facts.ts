/**
 * Facts the follow-up work needs from a PAM FR ADT message (who, which stay, which dates, which insurer),
 * extracted once at reception so that nothing downstream re-parses HL7.
 *
 * The result holds personal data (NIR, birth date): it may be stored with the message, never logged.
 */
import { INS_OIDS, isValidFiness } from '../identifiers';
import { hl7DateToIso } from './hl7-datatypes';
import { type Hl7Message } from './hl7-message';

export interface AdtPatientId {
  id: string;
  /** Assigning authority namespace (CX.4.1), or its OID when the namespace is empty. */
  authority: string;
  /** Assigning authority universal id (CX.4.2), e.g. 1.2.250.1.213.1.4.8 for INS-NIR. */
  authorityOid?: string;
  /** Identifier type code (CX.5): PI (IPP), INS, NH… */
  typeCode: string;
}

/** One IN1 occurrence, in the French usage of its fields. */
export interface AdtCoverage {
  /** IN1-2.1 plan id (e.g. AMO / AMC). */
  planId?: string;
  /** IN1-3.1: code grand régime (2) + caisse (3) + centre (4). */
  organism?: string;
  /** IN1-12 / IN1-13, YYYY-MM-DD. */
  rightsStart?: string;
  rightsEnd?: string;
  /** IN1-35 code gestion. */
  codeGestion?: string;
  /** IN1-49: NIR of the assuré (ouvrant droit), which may differ from the patient's own NIR. */
  insuredNir?: string;
}

export interface AdtFacts {
  event: string;
  messageType: string;
  controlId: string;
  sendingApp: string;
  sendingFacility: string;
  patientIds: AdtPatientId[];
  /** Patient NIR from PID-3 (INS), else the assuré's NIR from IN1-49. */
  nir?: string;
  /** NIR of the patient (PID-3, type INS/INS-NIR/NH, NIA excluded). */
  patientNir?: string;
  /** NIR of the assuré, first IN1-49. */
  insuredNir?: string;
  /** OID of the INS authority (PID-3.4.2): INS-NIR, test or demo NIR. */
  insOid?: string;
  birthDate?: string;
  /** Numéro de venue: PV1-19, else PID-18. */
  visitNumber?: string;
  /** YYYY-MM-DD from PV1-44, else ZBE-2, else EVN-6. */
  admitDate?: string;
  /** FINESS from MSH-4, else the PV1-3.4 facility. */
  finess?: string;
  /** PV1-3.4 facility when FINESS-shaped (site / FINESS géographique). */
  siteFiness?: string;
  /** A05 only: PV2-8 expected admit date, YYYY-MM-DD. */
  plannedDate?: string;
  patientClass?: string;
  movementId?: string;
  movementAction?: string;
  coverages: AdtCoverage[];
}

const NIR_TYPE_CODES = new Set(['INS', 'INS-NIR', 'NH']);
/**
 * Identifiers typed INS/NH that are not a NIR: the NIA (temporary) and the former INS-C ("INS calculé", a 22-digit
 * hash of the Vitale card, OIDs 1.2.250.1.213.1.4.2 and …4.6) that GAPs still send beside or instead of the INS-NIR.
 */
const NOT_A_NIR_OIDS: ReadonlySet<string> = new Set([INS_OIDS.nia, '1.2.250.1.213.1.4.2', '1.2.250.1.213.1.4.6']);

function nonEmpty(v: string): string | undefined {
  return v === '' || v === '""' ? undefined : v;
}

function firstDate(...candidates: string[]): string | undefined {
  for (const v of candidates) {
    const iso = hl7DateToIso(v);
    if (iso !== undefined) return iso;
  }
  return undefined;
}

function finessFrom(...candidates: string[]): string | undefined {
  return candidates.find((v) => isValidFiness(v));
}

function patientIds(msg: Hl7Message): AdtPatientId[] {
  const out: AdtPatientId[] = [];
  const reps = msg.repetitionCount('PID', 1, 3);
  for (let r = 1; r <= reps; r++) {
    const id = msg.get('PID', 1, 3, r, 1);
    if (id === '') continue;
    const namespace = msg.get('PID', 1, 3, r, 4, 1);
    const oid = nonEmpty(msg.get('PID', 1, 3, r, 4, 2));
    const typeCode = msg.get('PID', 1, 3, r, 5);
    out.push({ id, authority: namespace || (oid ?? ''), ...(oid !== undefined ? { authorityOid: oid } : {}), typeCode });
  }
  return out;
}

function coverages(msg: Hl7Message): AdtCoverage[] {
  const count = msg.segmentsNamed('IN1').length;
  const out: AdtCoverage[] = [];
  for (let occ = 1; occ <= count; occ++) {
    const v = (field: number): string | undefined => nonEmpty(msg.get('IN1', occ, field));
    const c: AdtCoverage = {
      planId: v(2),
      organism: v(3),
      rightsStart: hl7DateToIso(msg.get('IN1', occ, 12)),
      rightsEnd: hl7DateToIso(msg.get('IN1', occ, 13)),
      codeGestion: v(35),
      insuredNir: v(49),
    };
    out.push(Object.fromEntries(Object.entries(c).filter(([, x]) => x !== undefined)));
  }
  return out;
}

/** Extracts the facts of an ADT message. Expects a message that passed validatePamFr (tolerates gaps anyway). */
export function extractAdtFacts(msg: Hl7Message): AdtFacts {
  const ids = patientIds(msg);
  const ins = ids.find((p) => NIR_TYPE_CODES.has(p.typeCode) && !NOT_A_NIR_OIDS.has(p.authorityOid ?? ''));
  const covs = coverages(msg);
  const insuredNir = covs.find((c) => c.insuredNir !== undefined)?.insuredNir;
  const event = msg.get('MSH', 1, 9, 1, 2);
  const siteFiness = finessFrom(msg.get('PV1', 1, 3, 1, 4, 1));
  const facts: AdtFacts = {
    event,
    messageType: msg.get('MSH', 1, 9, 1, 1),
    controlId: msg.get('MSH', 1, 10),
    sendingApp: msg.get('MSH', 1, 3),
    sendingFacility: msg.get('MSH', 1, 4),
    patientIds: ids,
    nir: ins?.id ?? insuredNir,
    patientNir: ins?.id,
    insuredNir,
    insOid: ins?.authorityOid,
    birthDate: hl7DateToIso(msg.get('PID', 1, 7)),
    visitNumber: nonEmpty(msg.get('PV1', 1, 19)) ?? nonEmpty(msg.get('PID', 1, 18)),
    admitDate: firstDate(msg.get('PV1', 1, 44), msg.get('ZBE', 1, 2), msg.get('EVN', 1, 6)),
    finess: finessFrom(msg.get('MSH', 1, 4, 1, 1), msg.get('MSH', 1, 4, 1, 2)) ?? siteFiness,
    siteFiness,
    plannedDate: event === 'A05' ? hl7DateToIso(msg.get('PV2', 1, 8)) : undefined,
    patientClass: nonEmpty(msg.get('PV1', 1, 2)),
    movementId: nonEmpty(msg.get('ZBE', 1, 1)),
    movementAction: nonEmpty(msg.get('ZBE', 1, 4)),
    coverages: covs,
  };
  // Drop undefined keys: the facts are stored as JSON and compared in tests.
  return Object.fromEntries(Object.entries(facts).filter(([, x]) => x !== undefined)) as unknown as AdtFacts;
}
