/**
 * Shared vocabulary of every flow (HL7, FHIR, CSV, insurers, transport): who the patient is (NIR, INS OIDs), which
 * site asks (FINESS), which row (UUID), which day. Validators return booleans or reasons that name the part that is
 * wrong, never the value: callers add the field and turn it into their own error.
 */
export { isIsoDate, frenchDateToIso, readCalendarDate } from './calendar-date';
export { isValidFiness } from './finess';
export { INS_OIDS, INS_SYSTEMS, RIGHTS_NIR_SYSTEMS } from './ins-oids';
export { computeNirKey, validateNir } from './nir';
export type { NirCheck } from './nir';
export { isUuid, isVersionedUuid } from './uuid';
