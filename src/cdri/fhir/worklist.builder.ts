import { type Lot, type LotItem } from '../lots/lot.store';
import { NIR_SYSTEMS } from '../../fhir/fhir-systems';

export const RIGHTS_CHANGE_SYSTEM = 'https://passerelle.dev/fhir/CodeSystem/rights-change';

const DISPLAY: Record<string, string> = {
  RIGHTS_CLOSED: 'AMO rights closed',
  ORGANISM_CHANGED: 'AMO organism changed',
  EXONERATION_LOST: 'Exoneration (ticket modérateur) lost',
  UNKNOWN_PATIENT: 'Patient unknown to the AMO',
};

const NOTHING_CHANGED = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'nilknown', display: 'Nil Known' }],
  text: "No patient's AMO rights changed in this lot",
};

/** The rights-change worklist of a lot: one entry per patient to look at before the admission. */
export function buildWorklist(lot: Lot, items: LotItem[]): Record<string, unknown> {
  return {
    resourceType: 'List',
    id: lot.id,
    status: 'current',
    mode: 'working',
    title: 'Patients whose AMO rights changed',
    code: { coding: [{ system: RIGHTS_CHANGE_SYSTEM, code: 'rights-changes' }] },
    date: new Date(lot.finishedAt ?? lot.startedAt ?? lot.createdAt).toISOString(),
    source: { reference: `Task/${lot.id}` },
    ...(lot.state !== 'completed' ? { note: [{ text: 'The lot is still running: this list is partial.' }] } : {}),
    // FHIR forbids an empty array: no change means no entry element, and a finished lot says why the list is empty.
    ...(items.length === 0 && lot.state === 'completed' ? { emptyReason: NOTHING_CHANGED } : {}),
    ...(items.length ? { entry: items.map(entry) } : {}),
  };
}

function entry(i: LotItem): Record<string, unknown> {
  return {
    flag: { coding: [{ system: RIGHTS_CHANGE_SYSTEM, code: i.change, display: DISPLAY[i.change ?? ''] ?? i.change }] },
    item: {
      type: 'Patient',
      identifier: { system: NIR_SYSTEMS.insNir, value: i.nir },
      display: `Date of care ${i.dateOfCare}${i.visitNumber ? `, visit ${i.visitNumber}` : ''}`,
    },
    ...(i.rightsCheckId
      ? {
          extension: [
            {
              url: 'https://passerelle.dev/fhir/StructureDefinition/rights-answer',
              valueReference: { reference: `CoverageEligibilityResponse/${i.rightsCheckId}` },
            },
          ],
        }
      : {}),
  };
}
