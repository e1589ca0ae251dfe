/**
 * ADT^A08 ("update patient information", IHE PAM FR 2.11, HL7 v2.5 structure ADT_A01) telling the GAP that a
 * patient's AMO rights changed, with the insurance as the insurer now knows it. Built with node-hl7-client's Message
 * builder (it escapes delimiters in values), encoded in UTF-8 (MSH-18 UNICODE UTF-8).
 *
 * Segments: MSH EVN PID PV1 OBX[1..2] IN1.
 * - PID-3: the INS-NIR (CX.5 INS, authority INS-NIR), then the IPP (CX.5 PI) when known. PID-5 when the caller has
 *   the name: PAM makes PID-5 required (our own inbound validator answers AE without it), and a name is the one thing
 *   we must not invent — callers should pass the name from the admission message they hold.
 * - PV1-2 the patient class when known, else N (not applicable); PV1-19 the visit number when known.
 * - IN1 (the AMO coverage, updated): IN1-2 AMO, IN1-3 organism = grand régime (2) + caisse (3) + centre (4), IN1-12 /
 *   IN1-13 start / end of the current rights period (the one that starts last), IN1-35 code gestion, IN1-49 the
 *   assuré's NIR. Fields the insurer did not give are left empty, which in HL7 means "unchanged", never "erase".
 * - The kind of change goes in an OBX (CWE, local code system "L"): OBX-3 AMO-RIGHTS-CHANGE, OBX-5 RIGHTS_CLOSED |
 *   ORGANISM_CHANGED | EXONERATION_LOST | UNKNOWN_PATIENT with a French label; a second OBX (ST) carries the insurer's
 *   reference of the answer when there is one. Why OBX and not NTE or a Z segment: ADT_A01 has no NTE at message level
 *   (a strict receiver would reject it), a Z segment needs custom parsing on every GAP, while OBX is part of the
 *   structure (between PV1/PV2 and IN1) and GAPs already store and show OBX. The code system is ours [modelled].
 */
import { Message } from 'node-hl7-client';
import { HL7_2_5 } from 'node-hl7-client/hl7';
import { type AmoRightsAnswer } from '../amo-rights.port';
import { INS_OIDS } from '../../identifiers';
import { formatHl7Timestamp } from '../../hl7/hl7-ack';
import { hl7SafeText } from '../../hl7/hl7-escape';

export type RightsChangeKind = 'RIGHTS_CLOSED' | 'ORGANISM_CHANGED' | 'EXONERATION_LOST' | 'UNKNOWN_PATIENT';

/** OBX-5 labels of the change kinds (code system "L", ours). */
export const RIGHTS_CHANGE_LABELS: Readonly<Record<RightsChangeKind, string>> = {
  RIGHTS_CLOSED: 'Droits AMO fermés',
  ORGANISM_CHANGED: 'Organisme AMO modifié',
  EXONERATION_LOST: 'Exonération du ticket modérateur perdue',
  UNKNOWN_PATIENT: "Patient inconnu de l'AMO",
};

export interface RightsChangeA08Input {
  /** Patient's NIR (PID-3, type INS). */
  nir: string;
  ipp?: string;
  visitNumber?: string;
  change: RightsChangeKind;
  /** The insurer's new answer (absent: only the change kind is said). */
  answer?: AmoRightsAnswer;
  /** MSH-10, unique (ControlIdGenerator), at most 20 characters. */
  controlId: string;
  /** MSH-3/MSH-4: us. */
  sendingApp: string;
  sendingFacility: string;
  /** MSH-5/MSH-6: the GAP. */
  receivingApp: string;
  receivingFacility: string;
  /** IN1-49 when the assuré is not the patient (default: `nir`). */
  assureNir?: string;
  /** PV1-2 (HL7 table 0004); default N. */
  patientClass?: string;
  /** PID-5 (see file comment: required by PAM). */
  patientName?: { family: string; given?: string };
  /** OID of the INS authority (PID-3.4.2): INS-NIR by default, or the test/demo OIDs. */
  insOid?: string;
  /** Assigning authority of the IPP and the visit number (CX.4): the GAP's, default namespace = receivingApp. */
  gapAuthority?: { namespace: string; oid?: string };
  /** MSH-11, default P. */
  processingId?: 'P' | 'T' | 'D';
  /** MSH-7, EVN-2, EVN-6, OBX-14 (default now). */
  now?: Date;
}

/**
 * The one way a value enters this message: absent ones are skipped (an empty HL7 field means "no change", so nothing
 * is written), control characters become spaces (hl7SafeText: a CR in a CSV name would cut the segment), and
 * node-hl7-client escapes the delimiters (| ^ ~ \\ &).
 */
function fill<T extends { set(path: string, value: string): unknown }>(seg: T, values: Record<string, string | undefined>): T {
  for (const [path, v] of Object.entries(values)) if (v !== undefined && v !== '') seg.set(path, hl7SafeText(v));
  return seg;
}

const hl7Date = (iso: string | undefined): string | undefined => iso?.replace(/-/g, '');
const NIR_SHAPE = /^[1-478]\d{4}(?:\d{2}|2[AB])\d{8}$/;

/** The ADT^A08 for one rights change, as the bytes to send (UTF-8). Throws on a programming error in the input. */
export function buildRightsChangeA08(input: RightsChangeA08Input): Buffer {
  if (!NIR_SHAPE.test(input.nir)) throw new Error('buildRightsChangeA08: nir must be a 15-character NIR');
  if (input.assureNir !== undefined && !NIR_SHAPE.test(input.assureNir)) throw new Error('buildRightsChangeA08: assureNir must be a NIR');
  if (!/^[\x21-\x7e]{1,20}$/.test(input.controlId)) throw new Error('buildRightsChangeA08: controlId must be 1-20 printable characters');
  if (!(input.change in RIGHTS_CHANGE_LABELS)) throw new Error('buildRightsChangeA08: unknown change kind');
  const now = formatHl7Timestamp(input.now ?? new Date());
  const gap = input.gapAuthority ?? { namespace: input.receivingApp };

  const msg = new Message({
    specification: new HL7_2_5(),
    messageHeader: { msh_9_1: 'ADT', msh_9_2: 'A08', msh_9_3: 'ADT_A01', msh_10: input.controlId, msh_11_1: input.processingId ?? 'P' },
  });
  fill(msg, {
    'MSH.3': input.sendingApp,
    'MSH.4': input.sendingFacility,
    'MSH.5': input.receivingApp,
    'MSH.6': input.receivingFacility,
    'MSH.7': now,
    // The builder writes "2.5"; PAM FR wants the 2.5^FRA^2.11 composite.
    'MSH.12.1': '2.5',
    'MSH.12.2': 'FRA',
    'MSH.12.3': '2.11',
    'MSH.17': 'FRA',
    'MSH.18': 'UNICODE UTF-8',
    'MSH.19': 'FR',
  });

  fill(msg.addSegment('EVN'), { '2': now, '6': now });

  const pid = fill(msg.addSegment('PID'), {
    '1': '1',
    '3.1': input.nir,
    '3.4.1': 'ASIP-SANTE-INS-NIR',
    '3.4.2': input.insOid ?? INS_OIDS.insNir,
    '3.4.3': 'ISO',
    '3.5': 'INS',
    '5.1': input.patientName?.family,
    '5.2': input.patientName?.given,
    '5.7': input.patientName ? 'L' : undefined,
  });
  if (input.ipp !== undefined && input.ipp !== '') {
    // node-hl7-client paths address the first repetition only: the IPP is written through the field's repetition 2.
    const rep = pid.set('3').set(1);
    fill(rep, { '1': input.ipp, '4.1': gap.namespace, '4.2': gap.oid, '4.3': gap.oid ? 'ISO' : undefined, '5': 'PI' });
  }

  const visit = input.visitNumber !== undefined && input.visitNumber !== '' ? input.visitNumber : undefined;
  fill(msg.addSegment('PV1'), {
    '1': '1',
    '2': input.patientClass ?? 'N',
    '19.1': visit,
    '19.4.1': visit && gap.namespace,
    '19.4.2': visit && gap.oid,
    '19.5': visit && 'VN',
  });

  fill(msg.addSegment('OBX'), {
    '1': '1',
    '2': 'CWE',
    '3.1': 'AMO-RIGHTS-CHANGE',
    '3.2': 'Changement des droits AMO (CDRi)',
    '3.3': 'L',
    '5.1': input.change,
    '5.2': RIGHTS_CHANGE_LABELS[input.change],
    '5.3': 'L',
    '11': 'F',
    '14': now,
  });
  if (input.answer?.insurerReference) {
    fill(msg.addSegment('OBX'), {
      '1': '2',
      '2': 'ST',
      '3.1': 'AMO-INSURER-REF',
      '3.2': "Référence de la réponse de l'AMO",
      '3.3': 'L',
      '5': input.answer.insurerReference,
      '11': 'F',
      '14': now,
    });
  }

  const o = input.answer?.organism;
  // The current period: the one that starts last (a closed one carries its end, an open one none).
  const period = [...(input.answer?.periods ?? [])].sort((a, b) => a.start.localeCompare(b.start)).pop();
  fill(msg.addSegment('IN1'), {
    '1': '1',
    '2.1': 'AMO',
    '3.1': o ? `${o.grandRegime}${o.caisse}${o.centre}` : undefined,
    '12': hl7Date(period?.start),
    '13': hl7Date(period?.end),
    '35': o?.codeGestion,
    '49.1': input.assureNir ?? input.nir,
  });
  return Buffer.from(msg.toString() + '\r', 'utf8');
}
