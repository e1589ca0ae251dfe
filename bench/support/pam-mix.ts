/**
 * A realistic French ADT (IHE PAM FR) stream for the ingest benchmark: mostly A04 (consultations, urgences) and
 * A01 (admissions), which trigger an AMO rights check, plus A28/A31 identity feeds, which do not. Built once per
 * (patient, event) from the shared sample builder, then only MSH-10 changes per message (cheap on the client).
 */
import { buildPamText, type PamSampleEvent } from '../../tests/support/hl7-samples';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';

/** Default event weights (percent). A01/A04 → CDRi check through the queue; A28/A31 → stored only. */
export const PAM_MIX: ReadonlyArray<readonly [PamSampleEvent, number]> = [
  ['A04', 45],
  ['A01', 25],
  ['A28', 20],
  ['A31', 10],
];

/** "A04:45,A01:25,…" (the BENCH_HL7_MIX knob) → weights; undefined/empty → PAM_MIX. */
export function parseMix(spec: string | undefined): Array<readonly [PamSampleEvent, number]> {
  if (!spec) return [...PAM_MIX];
  return spec.split(',').map((item) => {
    const [event, weight] = item.split(':');
    if (!/^A\d\d$/.test(event) || !(Number(weight) > 0)) throw new Error(`BENCH_HL7_MIX: bad entry "${item}"`);
    return [event as PamSampleEvent, Number(weight)] as const;
  });
}
export const TRIGGERING_EVENTS: ReadonlySet<string> = new Set(['A01', 'A04']);

const PLACEHOLDER = 'ZZBENCHCONTROLID0000'; // 20 characters, the MSH-10 maximum
const DEPTS = ['75', '69', '13', '33', '59', '2A', '31', '44', '67', '06'];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class PamMix {
  private readonly random: () => number;
  private readonly templates = new Map<string, [string, string]>();
  readonly counts: Record<string, number> = {};

  private readonly mix: ReadonlyArray<readonly [PamSampleEvent, number]>;
  private readonly totalWeight: number;

  constructor(
    seed: number,
    mix: ReadonlyArray<readonly [PamSampleEvent, number]> = PAM_MIX,
    private readonly patients = 256,
  ) {
    this.random = rng(seed);
    this.mix = mix;
    this.totalWeight = mix.reduce((a, [, w]) => a + w, 0);
  }

  /** The next message of the stream, with this MSH-10 (≤ 20 characters, unique per run). */
  next(controlId: string): { event: string; bytes: Buffer } {
    let pick = this.random() * this.totalWeight;
    let event: PamSampleEvent = this.mix[0][0];
    for (const [e, w] of this.mix) {
      event = e;
      if ((pick -= w) < 0) break;
    }
    const patient = Math.floor(this.random() * this.patients);
    const [head, tail] = this.template(event, patient);
    this.counts[event] = (this.counts[event] ?? 0) + 1;
    return { event, bytes: Buffer.from(head + controlId + tail, 'utf8') };
  }

  private template(event: PamSampleEvent, i: number): [string, string] {
    const key = `${event}:${i}`;
    let t = this.templates.get(key);
    if (t === undefined) {
      const year = 40 + ((i * 7) % 60);
      const month = 1 + (i % 12);
      const nir = makeTestNir({
        sex: 1 + (i % 2),
        year,
        month,
        dept: DEPTS[i % DEPTS.length],
        commune: 1 + ((i * 37) % 989),
        order: 1 + (i % 399),
      });
      const text = buildPamText(event, {
        controlId: PLACEHOLDER,
        nir,
        insuredNir: nir,
        birthDate: `19${String(year).padStart(2, '0')}${String(month).padStart(2, '0')}15`,
        ipp: `IPP-B${i}`,
        visitNumber: `NDA-B${i}`,
        movementId: `MVT-B${i}`,
      });
      const parts = text.split(PLACEHOLDER);
      if (parts.length !== 2) throw new Error('pam-mix: MSH-10 placeholder not found exactly once');
      t = [parts[0], parts[1]];
      this.templates.set(key, t);
    }
    return t;
  }
}
