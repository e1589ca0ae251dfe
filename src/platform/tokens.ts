/**
 * Injection tokens for what the composition root builds before Nest starts and hands in as values. They live here,
 * not in src/app, so that flows and controllers never import the composition root.
 */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const HEALTH = Symbol('HEALTH');
/** Every registered flow's contributions (for OpenAPI, the CapabilityStatement and cross-flow Task reads). */
export const FLOW_PARTS = Symbol('FLOW_PARTS');
/** The audit trail (src/audit): controllers record who did what through its `AuditTrail` port. */
export const AUDIT = Symbol('AUDIT');
/** The retention runner's erasure of a patient's data (POST /admin/purge). */
export const PATIENT_ERASURE = Symbol('PATIENT_ERASURE');
/** The operator's side of the HL7 edge's conflicts and parked messages (src/hl7/inbox/hl7-inbox-operations.ts). */
export const HL7_INBOX = Symbol('HL7_INBOX');
