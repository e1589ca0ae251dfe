/**
 * IHE PAM FR (HL7 v2.5, MSH-12 2.5^FRA^2.11) sample messages for tests, the demo and the benchmark.
 *
 * Well-formed samples are built with node-hl7-client's Message builder (project rule); only the intentionally
 * unparseable ones are string literals. Identities are test identities: NIRs under the test OID
 * 1.2.250.1.213.1.4.10, FINESS in the non-existent department 99, and names distinctive enough for a
 * log-scanning test to grep (SAMPLE_FAMILY, SAMPLE_GIVEN).
 */
import { Message } from 'node-hl7-client';
import { HL7_2_5 } from 'node-hl7-client/hl7';
import * as iconv from 'iconv-lite';

export const SAMPLE_FAMILY = 'TESTNOM-ZZQ';
export const SAMPLE_GIVEN = 'PRENOMTEST';
/** Valid-key test NIRs (patient / assuré). */
export const SAMPLE_NIR = '185129999900196';
export const SAMPLE_INSURED_NIR = '260079999900226';
export const SAMPLE_BIRTH_DATE = '19851201';
export const SAMPLE_IPP = 'IPP-TEST-0001';
export const SAMPLE_VISIT = 'NDA-TEST-0001';
/** Luhn-valid FINESS in department 99 (does not exist): legal entity and site. */
export const SAMPLE_FINESS = '990000010';
export const SAMPLE_SITE_FINESS = '990000028';
export const INS_TEST_AUTHORITY = { namespace: 'ASIP-SANTE-INS-NIR', oid: '1.2.250.1.213.1.4.10', type: 'ISO' };

export type PamSampleEvent = 'A01' | 'A02' | 'A03' | 'A04' | 'A05' | 'A08' | 'A11' | 'A12' | 'A13' | 'A28' | 'A31' | 'A38' | 'A40' | 'Z99';

export interface PamSampleOptions {
  /** MSH-10, at most 20 characters ('' = deliberately missing). */
  controlId?: string;
  /** Patient NIR in PID-3 (type INS); '' = no INS. */
  nir?: string;
  /** IN1-49; defaults to SAMPLE_INSURED_NIR. */
  insuredNir?: string;
  /** '' = no IPP in PID-3. */
  ipp?: string;
  visitNumber?: string;
  movementId?: string;
  /** DTM of the movement / admission. */
  admitDate?: string;
  /** A05: PV2-8 expected admit date (DTM). */
  plannedDate?: string;
  birthDate?: string;
  finess?: string;
  /** MSH-18 value; null = MSH-18 absent. Bytes are encoded accordingly. Default 'UNICODE UTF-8'. */
  charset?: string | null;
  family?: string;
  given?: string;
  processingId?: 'P' | 'T' | 'D';
  /** MSH-12.1 override (malformed samples). */
  version?: string;
  messageDate?: string;
  sendingApp?: string;
  /** Omit IN1/IN2. */
  noInsurance?: boolean;
}

const STRUCTURE: Record<string, string> = {
  A01: 'ADT_A01',
  A04: 'ADT_A01',
  A08: 'ADT_A01',
  A13: 'ADT_A01',
  Z99: 'ADT_A01',
  A02: 'ADT_A02',
  A03: 'ADT_A03',
  A05: 'ADT_A05',
  A28: 'ADT_A05',
  A31: 'ADT_A05',
  A11: 'ADT_A09',
  A12: 'ADT_A12',
  A38: 'ADT_A38',
  A40: 'ADT_A39',
};
/** ZBE-4 action and ZBE-6 original event per event (PAM FR movements). */
const MOVEMENT: Record<string, [string, string]> = {
  A01: ['INSERT', ''],
  A02: ['INSERT', ''],
  A03: ['INSERT', ''],
  A04: ['INSERT', ''],
  A05: ['INSERT', ''],
  A11: ['CANCEL', 'A01'],
  A12: ['CANCEL', 'A02'],
  A13: ['CANCEL', 'A03'],
  A38: ['CANCEL', 'A05'],
  Z99: ['UPDATE', 'A01'],
};

type Seg = ReturnType<Message['addSegment']>;

/** Sets fields of a segment: keys are 'field.component[.sub]' paths relative to the segment (1-based). */
function fill(seg: Seg, values: Record<string, string | undefined>): Seg {
  for (const [path, v] of Object.entries(values)) if (v !== undefined && v !== '') seg.set(path, v);
  return seg;
}

/** Writes repetition `index` (0-based, > 0) of a field; node-hl7-client paths only address the first one. */
function fillRepetition(seg: Seg, field: number, index: number, values: Record<string, string>): void {
  const rep = seg.set(String(field)).set(index);
  for (const [path, v] of Object.entries(values)) if (v !== '') rep.set(path, v);
}

function header(event: string, o: PamSampleOptions): Message {
  const msg = new Message({
    specification: new HL7_2_5(),
    messageHeader: {
      msh_9_1: 'ADT',
      msh_9_2: event,
      msh_9_3: STRUCTURE[event] ?? `ADT_${event}`,
      msh_10: o.controlId ?? `CTL-${event}-0001`,
      msh_11_1: o.processingId ?? 'P',
    },
  });
  msg.set('MSH.3', o.sendingApp ?? 'GAP-TEST');
  msg.set('MSH.4', o.finess ?? SAMPLE_FINESS);
  msg.set('MSH.5', 'PASSERELLE');
  msg.set('MSH.6', 'PASSERELLE');
  msg.set('MSH.7', o.messageDate ?? '20250115083500');
  // The builder writes "2.5"; PAM FR wants the 2.5^FRA^2.11 composite.
  msg.set('MSH.12.1', o.version ?? '2.5');
  msg.set('MSH.12.2', 'FRA');
  msg.set('MSH.12.3', '2.11');
  msg.set('MSH.17', 'FRA');
  const charset = o.charset === undefined ? 'UNICODE UTF-8' : o.charset;
  if (charset !== null) msg.set('MSH.18', charset);
  msg.set('MSH.19', 'FR');
  return msg;
}

function pid(msg: Message, o: PamSampleOptions): void {
  const seg = fill(msg.addSegment('PID'), {
    '1': '1',
    '5.1': o.family ?? SAMPLE_FAMILY,
    '5.2': o.given ?? SAMPLE_GIVEN,
    '5.7': 'L',
    '7': o.birthDate ?? SAMPLE_BIRTH_DATE,
    '8': 'M',
    '11.1': '1 RUE DES TESTS',
    '11.3': 'TESTVILLE',
    '11.5': '99999',
    '11.6': 'FRA',
    '11.7': 'H',
    '32': 'VALI',
  });
  const ids: Array<Record<string, string>> = [];
  const nir = o.nir ?? SAMPLE_NIR;
  if (nir !== '') ids.push({ '1': nir, '4.1': INS_TEST_AUTHORITY.namespace, '4.2': INS_TEST_AUTHORITY.oid, '4.3': 'ISO', '5': 'INS' });
  const ipp = o.ipp ?? SAMPLE_IPP;
  if (ipp !== '') ids.push({ '1': ipp, '4.1': 'GAP-TEST', '4.2': '1.2.250.1.999.1.1', '4.3': 'ISO', '5': 'PI' });
  ids.forEach((rep, i) => {
    if (i === 0) fill(seg, Object.fromEntries(Object.entries(rep).map(([k, v]) => [`3.${k}`, v])));
    else fillRepetition(seg, 3, i, rep);
  });
}

function pv1(msg: Message, event: string, o: PamSampleOptions): void {
  let cls = event === 'A04' ? 'O' : 'I';
  if (event === 'A28' || event === 'A31' || event === 'A40') cls = 'N';
  fill(msg.addSegment('PV1'), {
    '1': '1',
    '2': cls,
    ...(cls === 'N' ? {} : { '3.1': 'UF-CARDIO', '3.2': 'CH-101', '3.3': 'LIT-1', '3.4.1': SAMPLE_SITE_FINESS }),
    '10': 'MED',
    '19.1': cls === 'N' ? undefined : (o.visitNumber ?? SAMPLE_VISIT),
    '19.4.1': cls === 'N' ? undefined : 'GAP-TEST',
    '44': cls === 'N' ? undefined : (o.admitDate ?? '20250115083000'),
    '45': event === 'A03' ? '20250120110000' : undefined,
  });
}

function zbe(msg: Message, event: string, o: PamSampleOptions): void {
  const [action, original] = MOVEMENT[event];
  fill(msg.addSegment('ZBE'), {
    '1.1': o.movementId ?? `MVT-${event}-0001`,
    '1.2': 'GAP-TEST',
    '1.3': '1.2.250.1.999.1.2',
    '1.4': 'ISO',
    '2': o.admitDate ?? '20250115083000',
    '4': action,
    '5': 'N',
    '6': original,
    '7.1': 'UF CARDIOLOGIE',
    '7.6.1': 'GAP-TEST',
    '7.7': 'UF',
    '7.10': '2001',
    '9': 'HMS',
  });
}

function insurance(msg: Message, o: PamSampleOptions): void {
  fill(msg.addSegment('IN1'), {
    '1': '1',
    '2.1': 'AMO',
    '3.1': '019999999',
    '4.1': 'CAISSE TEST',
    '12': '20250101',
    '13': '20251231',
    '15': 'AMO',
    '16.1': o.family ?? SAMPLE_FAMILY,
    '16.2': o.given ?? SAMPLE_GIVEN,
    '17': '01',
    '18': o.birthDate ?? SAMPLE_BIRTH_DATE,
    '35': '10',
    '49.1': o.insuredNir ?? SAMPLE_INSURED_NIR,
  });
}

/** The realistic 21-segment A01 (MSH EVN PID PD1 ROL NK1 PV1 PV2 ZBE ZFA ZFP ZFV ZFM ZFD OBX×3 GT1 IN1 IN2 ACC). */
function fullA01Body(msg: Message, o: PamSampleOptions): void {
  fill(msg.addSegment('PD1'), { '4.1': '99999999999', '4.2': 'MEDECIN-ZZQ', '4.3': 'DOCTEURTEST' });
  fill(msg.addSegment('ROL'), {
    '2': 'AD',
    '3.1': 'ODRP',
    '3.3': 'HL70443',
    '4.1': '99999999999',
    '4.2': 'MEDECIN-ZZQ',
    '4.3': 'DOCTEURTEST',
  });
  fill(msg.addSegment('NK1'), { '1': '1', '2.1': 'CONTACTNOM-ZZQ', '2.2': 'CONTACTTEST', '3.1': 'SPO', '5.1': '0199999999', '7.1': 'C' });
  pv1(msg, 'A01', o);
  fill(msg.addSegment('PV2'), { '3.2': 'Douleur thoracique', '8': '20250115083000' });
  zbe(msg, 'A01', o);
  fill(msg.addSegment('ZFA'), { '1': 'ACTIF', '2': '20200101', '3': 'N', '5': 'N', '6': 'N' });
  fill(msg.addSegment('ZFP'), { '1': '7', '2': '41' });
  fill(msg.addSegment('ZFV'), { '1.1': SAMPLE_SITE_FINESS, '1.2': '20241201', '2': 'SMUR' });
  fill(msg.addSegment('ZFM'), { '1': '8', '2': '8', '3': '7' });
  fill(msg.addSegment('ZFD'), { '3': 'N', '4': 'N' });
  fill(msg.addSegment('OBX'), { '1': '1', '2': 'NM', '3.1': '3141-9', '3.2': 'Poids', '3.3': 'LN', '5': '72', '6.1': 'kg', '11': 'F' });
  fill(msg.addSegment('OBX'), { '1': '2', '2': 'NM', '3.1': '8302-2', '3.2': 'Taille', '3.3': 'LN', '5': '178', '6.1': 'cm', '11': 'F' });
  // Delimiters in a value: the builder escapes them (\S\ \T\), the parser must decode them.
  fill(msg.addSegment('OBX'), {
    '1': '3',
    '2': 'ST',
    '3.1': 'COMMENT',
    '3.2': 'Commentaire',
    '5': 'Allergie pénicilline ^ à vérifier & noter',
    '11': 'F',
  });
  fill(msg.addSegment('GT1'), { '1': '1', '3.1': o.family ?? SAMPLE_FAMILY, '3.2': o.given ?? SAMPLE_GIVEN });
  if (o.noInsurance !== true) {
    insurance(msg, o);
    fill(msg.addSegment('IN2'), { '1.1': 'EMPLOI-TEST' });
  }
  fill(msg.addSegment('ACC'), { '1': '20250110', '2.1': 'TR' });
}

/** Builds a PAM FR message as text (segments separated by \r). `event` may be unsupported on purpose. */
export function buildPamText(event: string, o: PamSampleOptions = {}): string {
  const msg = header(event, o);
  fill(msg.addSegment('EVN'), { '2': o.messageDate ?? '20250115083500', '6': o.admitDate ?? '20250115083000' });
  pid(msg, o);
  if (event === 'A01') fullA01Body(msg, o);
  else {
    if (event === 'A40') fill(msg.addSegment('MRG'), { '1.1': 'IPP-TEST-0000', '1.4.1': 'GAP-TEST', '1.5': 'PI' });
    else pv1(msg, event, o);
    if (event === 'A05') fill(msg.addSegment('PV2'), { '8': o.plannedDate ?? '20250210080000' });
    if (MOVEMENT[event] !== undefined) zbe(msg, event, o);
    if (o.noInsurance !== true && ['A04', 'A05', 'A08', 'Z99'].includes(event)) insurance(msg, o);
  }
  return msg.toString() + '\r';
}

/** Encodes text in the charset named like MSH-18 (UTF-8 when absent). */
export function encodeSample(text: string, charset: string | null | undefined = 'UNICODE UTF-8'): Buffer {
  if (charset === '8859/1') return Buffer.from(text, 'latin1');
  if (charset === null || /UTF-?8/i.test(charset)) return Buffer.from(text, 'utf8');
  return iconv.encode(text, charset);
}

export function buildPam(event: string, o: PamSampleOptions = {}): Buffer {
  return encodeSample(buildPamText(event, o), o.charset);
}

export const buildA01 = (o?: PamSampleOptions): Buffer => buildPam('A01', o);
export const buildA03 = (o?: PamSampleOptions): Buffer => buildPam('A03', o);
export const buildA04 = (o?: PamSampleOptions): Buffer => buildPam('A04', o);
export const buildA05 = (o?: PamSampleOptions): Buffer => buildPam('A05', o);
export const buildA08 = (o?: PamSampleOptions): Buffer => buildPam('A08', o);
export const buildA28 = (o?: PamSampleOptions): Buffer => buildPam('A28', o);
export const buildA31 = (o?: PamSampleOptions): Buffer => buildPam('A31', o);
export const buildA38 = (o?: PamSampleOptions): Buffer => buildPam('A38', o);
export const buildZ99 = (o?: PamSampleOptions): Buffer => buildPam('Z99', o);

/** Intentionally bad inputs. The first five parse; the last three must be NAKed from raw bytes. */
export const MALFORMED = {
  /** MSH-10 empty → AR 101. */
  missingControlId: (): Buffer => buildPam('A04', { controlId: '' }),
  /** ADT^A24 (link patient) is not handled → AR 201. */
  unsupportedEvent: (): Buffer => buildPam('A24', { controlId: 'CTL-BAD-EVT' }),
  /** ORM is not ADT → AR 200. */
  unsupportedType: (): Buffer =>
    Buffer.from(buildPamText('A04', { controlId: 'CTL-BAD-TYPE' }).replace('|ADT^A04^ADT_A01|', '|ORM^O01^ORM_O01|')),
  /** MSH-12 2.3 → AR 203. */
  badVersion: (): Buffer => buildPam('A04', { controlId: 'CTL-BAD-VER', version: '2.3' }),
  /** No PID-3 identifier → AE 101. */
  missingPid3: (): Buffer => buildPam('A04', { controlId: 'CTL-NO-PID3', nir: '', ipp: '' }),
  garbage: (): Buffer => Buffer.from('HELLO THIS IS NOT HL7\r\nPID|||x\r', 'latin1'),
  nonHl7: (): Buffer => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x10]),
  truncatedMsh: (): Buffer => Buffer.from('MSH|^~', 'latin1'),
};
