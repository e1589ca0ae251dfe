import type { HeldInvoice, PreflightFinding } from '../preflight';
import { FIDES_PREFLIGHT } from './fides-fhir-definitions';

/** A finding as a coding of the rule table's system: the code, the message as display. */
export function findingCoding(f: PreflightFinding): Record<string, unknown> {
  return { system: FIDES_PREFLIGHT.ruleSystem, code: f.code, display: f.message };
}

/**
 * The pre-flight worklist as a FHIR List: one entry per held invoice, oldest first, pointing at its Claim, flagged
 * with its findings (rule codes, messages). Messages name fields and rules, never a NIR, a name or a birth date.
 */
export function buildPreflightWorklist(held: ReadonlyArray<HeldInvoice & { id: string }>, at: Date): Record<string, unknown> {
  return {
    resourceType: 'List',
    status: 'current',
    mode: 'working',
    title: 'Invoices held by pre-flight',
    code: { coding: [{ system: FIDES_PREFLIGHT.worklistCode, code: 'preflight' }] },
    date: at.toISOString(),
    // FHIR forbids an empty array: an empty worklist says so instead.
    ...(held.length === 0
      ? {
          emptyReason: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'nilknown', display: 'Nil Known' }],
            text: 'No invoice is held by pre-flight',
          },
        }
      : {
          entry: held.map((h) => ({
            flag: { coding: h.findings.map(findingCoding), text: h.findings.map((f) => `${f.code}: ${f.message}`).join('; ') },
            date: h.since.toISOString(),
            item: { reference: `Claim/${h.id}`, display: `Invoice ${h.invoiceNumber} version ${h.version}, FINESS ${h.finess}` },
          })),
        }),
  };
}
