/**
 * Validation of inbound ADT messages against IHE PAM, French extension (PAM.fr 2.11, HL7 v2.5).
 *
 * Acknowledgement policy (HL7 v2.5 §2.9.2, original mode):
 * - AR when the header says we cannot process the message at all (unsupported type/event/version/processing id,
 *   no MSH-10 to correlate): resending it unchanged will never work;
 * - AE for content errors (missing required segment 100 or field 101, bad data type 102, value not in table 103);
 * - W issues are reported in ERR but keep AA.
 * Missing segments use code 100: table 0357 defines it as "segments not in the proper order, or required
 * segments are missing".
 * Issue texts name fields and rules only: never a value from the message (they end up in ACKs and logs).
 */
import { type AckCode, type Hl7Issue } from './hl7-ack';
import { isHl7Dt, isHl7Dtm } from './hl7-datatypes';
import { type Hl7Message } from './hl7-message';

export { extractAdtFacts } from './pam-fr-facts';
export type { AdtFacts, AdtPatientId, AdtCoverage } from './pam-fr-facts';

export const SUPPORTED_EVENTS: ReadonlySet<string> = new Set([
  'A28',
  'A31',
  'A40',
  'A05',
  'A38',
  'A01',
  'A11',
  'A04',
  'A03',
  'A13',
  'A08',
  'A02',
  'A12',
  'Z99',
]);

/** Patient-identity events (ITI-30, plus A08 "update patient information"): PID-5 is required. */
const IDENTITY_EVENTS = new Set(['A28', 'A31', 'A40', 'A08']);

/**
 * PV1 is required by the HL7 v2.5 structures of these events (ADT_A01/A03/A05/A09/A02/A12/A38).
 * Beyond the events listed in our brief we add A02, A12 and A08, whose structures also make PV1 mandatory.
 * Identity feeds (A28/A31) carry a PV1 with class N in ITI-30 but senders often omit it: not enforced.
 */
const PV1_EVENTS = new Set(['A01', 'A04', 'A05', 'A03', 'A11', 'A13', 'A38', 'Z99', 'A02', 'A12', 'A08']);

/**
 * Our reading of PAM.fr 2.11: ZBE ("action sur le mouvement") is required on every movement of ITI-31 and on its
 * cancellation — A01, A02, A03, A04, A05 (insert), A11, A12, A13, A38 (cancel) and Z99 (update). A08 does not carry
 * a movement; ZBE is validated there only when present. Value: the ZBE-4 action each event implies.
 */
const ZBE_ACTION: Readonly<Record<string, string>> = {
  A01: 'INSERT',
  A02: 'INSERT',
  A03: 'INSERT',
  A04: 'INSERT',
  A05: 'INSERT',
  A11: 'CANCEL',
  A12: 'CANCEL',
  A13: 'CANCEL',
  A38: 'CANCEL',
  Z99: 'UPDATE',
};

/** HL7 table 0004 patient class. */
const PATIENT_CLASSES = new Set(['E', 'I', 'O', 'P', 'R', 'B', 'C', 'N', 'U']);

/** NIR shape only (sex, year, month, department incl. 2A/2B, commune, order, key); the key is checked elsewhere. */
const NIR_SHAPE = /^[1-478]\d{4}(?:\d{2}|2[AB])\d{8}$/;

/**
 * How strictly a message is held to PAM FR:
 * - declared (default): PAM FR when the sender declares it (MSH-12 `2.5^FRA^2.x`), else plain HL7 v2 ADT;
 * - strict / lenient: forced by the sender's configuration (HL7_SENDERS `;mode=`).
 * Under plain HL7 v2 the PAM FR-only rules (ZBE and its content) are ERR warnings (W, message accepted), and any
 * ADT version 2.3 to 2.8 is read; what our flows cannot do without (a valid NIR for a rights check, the visit number
 * of a planned encounter) is decided by the handler and the subscriptions whatever the mode.
 */
export type PamStrictness = 'declared' | 'strict' | 'lenient';

export interface PamValidationOptions {
  /** MSH-11 values accepted (table 0103). Default P, T, D. */
  acceptedProcessingIds?: readonly string[];
  strictness?: PamStrictness;
}

export interface PamValidationResult {
  event: string;
  issues: Hl7Issue[];
  ackCode: AckCode;
  /** Whether PAM FR rules were applied (declared 2.5^FRA^… or forced strict). */
  pamFr: boolean;
}

/** HL7 v2 versions whose ADT messages we read when PAM FR is not applied. */
const LENIENT_VERSION = /^2\.[3-8](?:\.\d{1,2})?$/;

/** Value with the HL7 explicit null `""` treated as absent. */
function val(msg: Hl7Message, seg: string, occ: number, field: number, rep = 1, comp = 1): string {
  const v = msg.get(seg, occ, field, rep, comp);
  return v === '""' ? '' : v;
}

class Collector {
  readonly issues: Hl7Issue[] = [];
  reject = false;
  /** False under plain HL7 v2: PAM FR-only rules (addPam) are warnings. */
  pamFr = true;

  add(segment: string, field: number | undefined, code: number, text: string, more: Partial<Hl7Issue> = {}): void {
    this.issues.push({ segment, sequence: 1, field, code, severity: 'E', text, ...more });
  }

  /** A PAM FR-only rule: an error under PAM FR, a warning (W) for a plain HL7 v2 sender. */
  addPam(segment: string, field: number | undefined, code: number, text: string, more: Partial<Hl7Issue> = {}): void {
    this.add(segment, field, code, this.pamFr ? text : `${text} (IHE PAM FR)`, this.pamFr ? more : { ...more, severity: 'W' });
  }

  rejectWith(field: number, code: number, text: string): void {
    this.reject = true;
    this.add('MSH', field, code, text);
  }

  date(msg: Hl7Message, seg: string, occ: number, field: number, label: string, required = false, dt = false): void {
    const v = val(msg, seg, occ, field);
    if (v === '') {
      if (required) this.add(seg, field, 101, `${seg}-${field} (${label}) is required`, { sequence: occ });
    } else if (!(dt ? isHl7Dt(v) : isHl7Dtm(v))) {
      const type = dt ? 'DT' : 'DTM';
      this.add(seg, field, 102, `${seg}-${field} (${label}) is not a valid HL7 ${type} date`, { sequence: occ });
    }
  }
}

function checkHeader(msg: Hl7Message, c: Collector, opts: PamValidationOptions): string {
  const type = val(msg, 'MSH', 1, 9, 1, 1);
  const event = val(msg, 'MSH', 1, 9, 1, 2);
  if (type === '' || event === '') c.rejectWith(9, 101, 'MSH-9 (message type and trigger event) is required');
  else if (type !== 'ADT') c.rejectWith(9, 200, 'MSH-9.1 message type is not supported: only ADT (IHE PAM)');
  else if (!SUPPORTED_EVENTS.has(event)) c.rejectWith(9, 201, 'MSH-9.2 trigger event is not supported by this gateway');
  if (val(msg, 'MSH', 1, 10) === '') c.rejectWith(10, 101, 'MSH-10 (message control id) is required');
  const processing = val(msg, 'MSH', 1, 11);
  const accepted = opts.acceptedProcessingIds ?? ['P', 'T', 'D'];
  if (processing === '') c.rejectWith(11, 101, 'MSH-11 (processing id) is required');
  else if (!accepted.includes(processing)) {
    c.rejectWith(11, 202, `MSH-11 processing id must be one of ${accepted.join(', ')}`);
  }
  const version = val(msg, 'MSH', 1, 12);
  const declaresFra = val(msg, 'MSH', 1, 12, 1, 2) === 'FRA';
  const strictness = opts.strictness ?? 'declared';
  c.pamFr = strictness === 'strict' || (strictness === 'declared' && declaresFra);
  if (version === '') c.rejectWith(12, 101, 'MSH-12 (version id) is required');
  else if (c.pamFr && version !== '2.5' && !version.startsWith('2.5.')) {
    c.rejectWith(12, 203, 'MSH-12 version must be 2.5 (IHE PAM FR: 2.5^FRA^2.x)');
  } else if (!c.pamFr && !LENIENT_VERSION.test(version)) {
    c.rejectWith(12, 203, 'MSH-12 version must be an HL7 v2 version from 2.3 to 2.8 (2.5^FRA^2.x for IHE PAM FR)');
  } else if (!declaresFra) {
    c.add('MSH', 12, 203, 'MSH-12.2 should be FRA (IHE PAM French extension)', { component: 2, severity: 'W' });
  }
  if (!c.reject) c.date(msg, 'MSH', 1, 7, 'date/time of message', true);
  return event;
}

function checkPid(msg: Hl7Message, c: Collector, event: string): void {
  if (!msg.has('PID')) return c.add('PID', undefined, 100, 'PID segment is required');
  const reps = msg.repetitionCount('PID', 1, 3);
  let ids = 0;
  for (let r = 1; r <= reps; r++) {
    if (val(msg, 'PID', 1, 3, r, 1) === '') continue;
    ids++;
    if (msg.get('PID', 1, 3, r, 4) === '' && msg.get('PID', 1, 3, r, 4, 2) === '') {
      const text = 'PID-3.4 (assigning authority) should be given for every identifier';
      c.add('PID', 3, 101, text, { component: 4, severity: 'W' });
    }
  }
  if (ids === 0) c.add('PID', 3, 101, 'PID-3 (patient identifier list) is required');
  if (IDENTITY_EVENTS.has(event) && val(msg, 'PID', 1, 5) === '') {
    c.add('PID', 5, 101, 'PID-5 (patient name) is required');
  }
  c.date(msg, 'PID', 1, 7, 'date of birth');
  c.date(msg, 'PID', 1, 29, 'date of death');
}

function checkVisit(msg: Hl7Message, c: Collector, event: string): void {
  if (msg.has('PV1')) {
    const cls = val(msg, 'PV1', 1, 2);
    if (cls === '') c.add('PV1', 2, 101, 'PV1-2 (patient class) is required');
    else if (!PATIENT_CLASSES.has(cls)) c.add('PV1', 2, 103, 'PV1-2 (patient class) is not in HL7 table 0004');
    c.date(msg, 'PV1', 1, 44, 'admit date/time');
    c.date(msg, 'PV1', 1, 45, 'discharge date/time');
  } else if (PV1_EVENTS.has(event)) {
    c.add('PV1', undefined, 100, `PV1 segment is required for event ${event}`);
  }
  if (msg.has('PV2')) c.date(msg, 'PV2', 1, 8, 'expected admit date/time');
}

function checkZbe(msg: Hl7Message, c: Collector, event: string): void {
  const expected = ZBE_ACTION[event];
  if (!msg.has('ZBE')) {
    if (expected !== undefined) c.addPam('ZBE', undefined, 100, `ZBE segment (movement) is required for event ${event}`);
    return;
  }
  if (val(msg, 'ZBE', 1, 1) === '') c.addPam('ZBE', 1, 101, 'ZBE-1 (movement identifier) is required');
  c.date(msg, 'ZBE', 1, 2, 'movement start date/time', true);
  const action = val(msg, 'ZBE', 1, 4);
  if (action === '') c.addPam('ZBE', 4, 101, 'ZBE-4 (movement action) is required');
  else if (action !== 'INSERT' && action !== 'UPDATE' && action !== 'CANCEL') {
    c.addPam('ZBE', 4, 103, 'ZBE-4 (movement action) must be INSERT, UPDATE or CANCEL');
  } else if (expected !== undefined && action !== expected) {
    c.addPam('ZBE', 4, 103, `ZBE-4 (movement action) must be ${expected} for event ${event}`);
  }
  const historic = val(msg, 'ZBE', 1, 5);
  if (historic !== '' && historic !== 'Y' && historic !== 'N') {
    c.addPam('ZBE', 5, 103, 'ZBE-5 (historical movement flag) must be Y or N');
  }
  if ((action === 'UPDATE' || action === 'CANCEL') && val(msg, 'ZBE', 1, 6) === '') {
    c.addPam('ZBE', 6, 101, 'ZBE-6 (original trigger event) is required when ZBE-4 is UPDATE or CANCEL');
  }
}

function checkInsurance(msg: Hl7Message, c: Collector): void {
  const count = msg.segmentsNamed('IN1').length;
  for (let occ = 1; occ <= count; occ++) {
    const nir = val(msg, 'IN1', occ, 49);
    if (nir !== '' && !NIR_SHAPE.test(nir)) {
      c.add('IN1', 49, 102, "IN1-49 (insured's NIR) must be 15 characters shaped like a NIR", { sequence: occ });
    }
    c.date(msg, 'IN1', occ, 12, 'plan effective date', false, true);
    c.date(msg, 'IN1', occ, 13, 'plan expiration date', false, true);
  }
}

/** Validates an inbound PAM FR ADT message and says which acknowledgement code it deserves. */
export function validatePamFr(msg: Hl7Message, opts: PamValidationOptions = {}): PamValidationResult {
  const c = new Collector();
  const event = checkHeader(msg, c, opts);
  // A rejected header makes body checks noise: the sender must fix the header first.
  if (c.reject) return { event, issues: c.issues, ackCode: 'AR', pamFr: c.pamFr };
  if (!msg.has('EVN')) c.add('EVN', undefined, 100, 'EVN segment is required');
  else {
    c.date(msg, 'EVN', 1, 2, 'recorded date/time', true);
    c.date(msg, 'EVN', 1, 6, 'event occurred date/time');
  }
  checkPid(msg, c, event);
  if (event === 'A40') {
    if (!msg.has('MRG')) c.add('MRG', undefined, 100, 'MRG segment is required for event A40');
    else if (val(msg, 'MRG', 1, 1) === '') c.add('MRG', 1, 101, 'MRG-1 (prior patient identifier list) is required');
  }
  checkVisit(msg, c, event);
  checkZbe(msg, c, event);
  checkInsurance(msg, c);
  const ackCode: AckCode = c.issues.some((i) => i.severity === 'E') ? 'AE' : 'AA';
  return { event, issues: c.issues, ackCode, pamFr: c.pamFr };
}
